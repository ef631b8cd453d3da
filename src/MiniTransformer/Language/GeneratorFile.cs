using System.Text.Json;
using System.Text.Json.Nodes;

namespace MiniTransformer.Language;

/// <summary>
/// Opens a generator file of any kind for sampling: reads its <c>format</c> and returns the sampler, the
/// first-token counts (the corpus unigram distribution) and a JSON description for the samples' sidecar.
/// </summary>
public static class GeneratorFile
{
    public sealed record Opened(ISequenceSampler Sampler, long[] FirstTokenCounts, JsonObject Description);

    public static Opened Open(string path, int threads = 0)
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
            default:
                throw new UserInputException($"'{path}' is not a generator file this build can sample (format '{format}'; known: {BigramModel.CurrentFormat})");
        }
    }
}
