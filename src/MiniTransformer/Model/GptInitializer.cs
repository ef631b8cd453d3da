using MiniTransformer.Randomness;

namespace MiniTransformer.Model;

/// <summary>
/// The initial parameters of a <see cref="GptConfig"/> (the rules are on <see cref="GptConfig"/>), drawn on the host
/// from Philox: tensor i uses stream (i + 1) of the seed and element j the Box–Muller pair of draw j/4, so the
/// weights depend only on (config, seed) — never on thread count or backend.
/// </summary>
public static class GptInitializer
{
    public static float[] Initialize(ParameterLayout layout, ulong seed)
    {
        var config = layout.Config;
        var values = new float[layout.Count];
        double hiddenStd = config.InitStd / Math.Sqrt(config.WidthMultiplier);
        double residualStd = hiddenStd / Math.Sqrt(2.0 * config.Layers);
        bool mup = config.Parameterization == Parameterization.Mup;
        for (int i = 0; i < layout.Tensors.Count; i++)
        {
            var t = layout.Tensors[i];
            var span = values.AsSpan((int)t.Offset, (int)t.Length);
            string leaf = t.Name[(t.Name.IndexOf('.') + 1)..];
            switch (t.Role)
            {
                case ParameterRole.Embedding:
                    FillNormal(span, config.InitStd, seed, (ulong)i + 1);
                    break;
                case ParameterRole.Readout:
                    if (!mup) FillNormal(span, config.InitStd, seed, (ulong)i + 1);
                    break;
                case ParameterRole.Hidden:
                    FillNormal(span, leaf is "attproj.w" or "fcproj.w" ? residualStd : hiddenStd, seed, (ulong)i + 1);
                    // μP: the query rows (the first C of the [3C, C] qkv weight) start at zero.
                    if (mup && leaf == "qkv.w") span[..(config.Width * config.Width)].Clear();
                    break;
                case ParameterRole.Vector:
                    // LayerNorm gains (the only 1-D ".w" tensors) start at 1; biases at 0.
                    if (t.Name.EndsWith(".w", StringComparison.Ordinal)) span.Fill(1f);
                    break;
            }
        }
        return values;
    }

    /// <summary>N(0, std²) draws from Philox(seed, stream): element j from draw j/4 (also the MLP surface's initialiser).</summary>
    internal static void FillNormal(Span<float> span, double std, ulong seed, ulong stream)
    {
        for (int j = 0; j < span.Length; j += 4)
        {
            var (r0, r1, r2, r3) = Philox.Draw(seed, stream, (ulong)(j / 4));
            var (z0, z1) = BoxMuller(r0, r1);
            var (z2, z3) = BoxMuller(r2, r3);
            ReadOnlySpan<double> z = [z0, z1, z2, z3];
            for (int k = 0; k < 4 && j + k < span.Length; k++) span[j + k] = (float)(std * z[k]);
        }
    }

    private static (double, double) BoxMuller(uint a, uint b)
    {
        double u1 = (a + 1.0) / 4294967297.0, u2 = b / 4294967296.0;   // u1 in (0, 1): log is finite
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        return (r * Math.Cos(2 * Math.PI * u2), r * Math.Sin(2 * Math.PI * u2));
    }
}
