using MiniTransformer.Compute;
using MiniTransformer.Model;

namespace MiniTransformer.Training;

/// <summary>
/// The μP coordinate check (Yang et al., Tensor Programs V, §D): train the same architecture at several widths for a
/// few Adam steps at one learning rate and record the typical coordinate size (mean |x|) of the embedding output,
/// the last block's output and the logits after each step. Under μP these stay flat across widths; under SP the
/// later ones grow with width — the symptom μP removes.
/// </summary>
public static class CoordinateCheck
{
    public sealed record Row(int Width, int Step, double Embedding, double BlockOutput, double Logits);

    /// <param name="batches">Step s (0-based) trains on batches(s); the measurement uses batches(steps), never trained on.</param>
    public static IReadOnlyList<Row> Run(ComputeBackend backend, GptConfig config, IReadOnlyList<int> widths, int steps,
        float learningRate, int batchSize, Func<int, (int[] Inputs, int[] Targets)> batches, ulong seed)
    {
        var rows = new List<Row>();
        var (probeInputs, probeTargets) = batches(steps);
        foreach (int width in widths)
        {
            var c = config with { Width = width };
            using var model = new Gpt(backend, c, batchSize);
            using var optimizer = new AdamWOptimizer(model, new AdamWSettings(WeightDecay: 0f));
            backend.Upload<float>(GptInitializer.Initialize(model.Layout, seed), model.Parameters);
            for (int s = 0; s <= steps; s++)
            {
                if (s > 0)
                {
                    var (inputs, targets) = batches(s - 1);
                    model.SetBatch(inputs, targets);
                    model.Forward(training: true);
                    model.Backward();
                    optimizer.Step(learningRate);
                }
                model.SetBatch(probeInputs, probeTargets);
                model.Forward(training: false);
                var a = model.Activations;
                rows.Add(new Row(width, s, MeanAbs(backend, a.Encoded), MeanAbs(backend, a.Blocks[^1].Resid3), MeanAbs(backend, a.Logits)));
            }
        }
        return rows;
    }

    private static double MeanAbs(ComputeBackend backend, DeviceSlice<float> slice)
    {
        double sum = 0;
        foreach (float x in backend.DownloadArray(slice)) sum += Math.Abs(x);
        return sum / slice.Length;
    }
}
