using MiniTransformer.Compute.Cpu;
using MiniTransformer.Model;
using MiniTransformer.Training;

namespace MiniTransformer.Tests.Training;

/// <summary>
/// μP coordinate check (Tensor Programs V): after a few Adam steps at one learning rate, the typical size of the
/// logits and of the last block's output must stay flat (within 2×) across an 8× range of widths under μP and grow under
/// SP (measured: block output ×53, logits ×2.8 from width 32 to 256).
/// </summary>
public class CoordinateCheckTests
{
    private static readonly int[] Widths = [32, 64, 128, 256];

    private static IReadOnlyList<CoordinateCheck.Row> Run(Parameterization p)
    {
        var graph = new GraphWalkData(24, 60, 1);
        const int batch = 8, length = 17;
        (int[], int[]) Batch(int s)
        {
            var walk = new uint[length];
            var inputs = new int[batch * (length - 1)];
            var targets = new int[batch * (length - 1)];
            for (int b = 0; b < batch; b++)
            {
                graph.Walk(seed: 9, walk: s * batch + b, walk);
                for (int t = 0; t < length - 1; t++) { inputs[b * (length - 1) + t] = (int)walk[t]; targets[b * (length - 1) + t] = (int)walk[t + 1]; }
            }
            return (inputs, targets);
        }
        using var backend = new CpuBackend();
        var config = new GptConfig(24, length - 1, 2, Widths[0], p, BaseWidth: Widths[0], Heads: 4);
        return CoordinateCheck.Run(backend, config, Widths, steps: 4, learningRate: 1e-2f, batch, Batch, seed: 11);
    }

    private static double Growth(IReadOnlyList<CoordinateCheck.Row> rows, Func<CoordinateCheck.Row, double> size)
    {
        var last = rows.Where(r => r.Step == rows.Max(x => x.Step)).ToDictionary(r => r.Width);
        return size(last[Widths[^1]]) / size(last[Widths[0]]);
    }

    [Fact]
    public void ActivationSizesStayFlatUnderMupAndGrowUnderSp()
    {
        var mup = Run(Parameterization.Mup);
        var sp = Run(Parameterization.Sp);
        var log = TestContext.Current.TestOutputHelper;
        foreach (var r in mup.Concat(sp).Where(r => r.Step == 4))
            log?.WriteLine($"width {r.Width,4} step {r.Step}: embedding {r.Embedding:F4} block {r.BlockOutput:F4} logits {r.Logits:F4}");
        double mupLogits = Growth(mup, r => r.Logits), mupBlock = Growth(mup, r => r.BlockOutput);
        double spLogits = Growth(sp, r => r.Logits), spBlock = Growth(sp, r => r.BlockOutput);
        log?.WriteLine($"growth 32→256: μP logits {mupLogits:F2} block {mupBlock:F2}; SP logits {spLogits:F2} block {spBlock:F2}");
        Assert.InRange(mupLogits, 0.5, 2.0);
        Assert.InRange(mupBlock, 0.5, 2.0);
        // SP's hidden update ΔW·x grows ∝ width with Adam; the final LayerNorm tames the logits' growth to less.
        Assert.True(spBlock > 8.0, $"SP block output grew only {spBlock:F2}× over an 8× width range");
        Assert.True(spLogits > 2.0, $"SP logits grew only {spLogits:F2}× over an 8× width range");
    }
}
