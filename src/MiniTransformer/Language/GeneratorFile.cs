using System.Text.Json;
using System.Text.Json.Nodes;
using MiniTransformer.Compute;
using MiniTransformer.Generation;

namespace MiniTransformer.Language;

/// <summary>
/// Opens a generator file of any kind for sampling: reads its <c>format</c> and returns the sampler, the
/// first-token counts (the corpus unigram distribution) and a JSON description for the samples' sidecar.
/// </summary>
public static class GeneratorFile
{
    /// <summary>A generator ready to sample; disposing it releases a transformer's device buffers.</summary>
    public sealed record Opened(ISequenceSampler Sampler, long[] FirstTokenCounts, JsonObject Description) : IDisposable
    {
        public void Dispose() => (Sampler as IDisposable)?.Dispose();
    }

    /// <param name="threads">Host sampling threads (0 = all processors); the output does not depend on it.</param>
    /// <param name="backend">Makes the compute backend a transformer generator decodes on (called only for that kind; the
    /// caller owns and disposes the backend after the <see cref="Opened"/>).</param>
    /// <param name="batchSize">Sequences a transformer decodes together; the output does not depend on it.</param>
    public static Opened Open(string path, int threads = 0, Func<ComputeBackend>? backend = null, int batchSize = 64)
    {
        if (!File.Exists(path)) throw new UserInputException($"generator file '{path}' does not exist");
        string? format;
        try { format = JsonNode.Parse(File.ReadAllText(path))?["format"]?.GetValue<string>(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new UserInputException($"'{path}' is not a generator file (not JSON with a string 'format': {e.Message.Split('\n')[0]})");
        }
        switch (format)
        {
            case BigramModel.CurrentFormat:
                var (model, file) = BigramModel.Load(path);
                return new Opened(new BigramSampler(model, threads), model.UnigramCounts, new JsonObject
                {
                    ["kind"] = "bigram",
                    ["file"] = Path.GetFullPath(path),
                    ["vocab_size"] = model.VocabSize,
                    ["alpha"] = model.Alpha,
                    ["entropy_rate_nats"] = file.EntropyRateNats,
                    ["test_loss_nats"] = file.TestLossNats,
                    ["source"] = file.Source?.DeepClone(),
                });
            case TransformerGeneratorFile.CurrentFormat:
                var (generator, checkpoint) = TransformerGeneratorFile.Load(path);
                var sampler = TransformerSampler.Load((backend ?? throw new ArgumentException("a transformer generator needs a backend to decode on", nameof(backend)))(), checkpoint, batchSize, threads > 0 ? threads : null);
                if (sampler.VocabSize != generator.VocabSize)
                {
                    sampler.Dispose();
                    throw new UserInputException($"'{path}': its checkpoint's vocabulary ({sampler.VocabSize}) differs from the file's ({generator.VocabSize})");
                }
                return new Opened(sampler, generator.UnigramCounts, generator.Describe(path));
            default:
                throw new UserInputException($"'{path}' is not a generator file this build can sample (format '{format}'; known: {BigramModel.CurrentFormat}, {TransformerGeneratorFile.CurrentFormat})");
        }
    }
}
