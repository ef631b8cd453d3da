namespace MiniTransformer.Fitting;

/// <summary>Scaling points in the log space the surface objectives work in: ln N, ln D, ln L as flat arrays.</summary>
internal sealed class SurfaceData
{
    public readonly double[] LnN, LnD, LnL;
    public int Count => LnL.Length;

    public SurfaceData(IReadOnlyList<ScalingPoint> points)
    {
        LnN = points.Select(p => Math.Log(p.N)).ToArray();
        LnD = points.Select(p => Math.Log(p.D)).ToArray();
        LnL = points.Select(p => Math.Log(p.Loss)).ToArray();
    }

    public SurfaceData(double[] lnN, double[] lnD, double[] lnL) => (LnN, LnD, LnL) = (lnN, lnD, lnL);
}
