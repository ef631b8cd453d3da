using System.Text.Json;
using MiniTransformer.IO;
using static MiniTransformer.Sweeps.SweepSpecLoader;

namespace MiniTransformer.Sweeps;

/// <summary>
/// The checks of a <c>language_ladder</c> sweep spec beyond the student grid's (which are the transformer sweep's):
/// every invalid ladder value, and every field of another data kind, is an error naming the field
/// (<c>spec field 'ladder.rungs[2].layers': …</c>).
/// </summary>
internal static class LadderSpecValidator
{
    /// <summary>The default corpus of the shipped ladder presets, relative to the repository root: the development corpus of SCIENCE.md.</summary>
    public const string DefaultCorpus = "../shared/data/tinyshakespeare.txt";

    /// <summary>
    /// A ladder spec has no graph, percolation clusters or k-NN section, and budgets are token counts (the compute form
    /// needs N before the vocabulary is known). The typed spec cannot tell a default from a given value, so this reads the JSON.
    /// </summary>
    public static void RejectForeignFields(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        foreach (var field in new[] { "knn", "compute" })
            Check(!root.TryGetProperty(field, out _), field, $"does not apply to a {DataSpec.LanguageLadder} sweep" + (field == "compute" ? " (give token budgets in 'tokens')" : ""));
        if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
            foreach (var field in new[] { "graph", "percolation" })
                Check(!data.TryGetProperty(field, out _), $"data.{field}", $"does not apply to a {DataSpec.LanguageLadder} sweep: its data is the corpus and generators in 'ladder'");
        Check(root.TryGetProperty("ladder", out _), "ladder", $"a {DataSpec.LanguageLadder} sweep needs a 'ladder' section (corpus, vocab_size, rungs)");
    }

    public static void Validate(SweepSpec s)
    {
        Check(s.Ladder is not null, "ladder", $"a {DataSpec.LanguageLadder} sweep needs a 'ladder' section (corpus, vocab_size, rungs)");
        Check(s.Compute is null, "compute", $"does not apply to a {DataSpec.LanguageLadder} sweep (give token budgets in 'tokens')");
        var l = s.Ladder!;
        Check(l.Corpus is null || l.Corpus.Trim().Length > 0, "ladder.corpus", "must be a path (or left out and given with --corpus)");
        Check(l.VocabSize is >= 257 and <= 1 << 20, "ladder.vocab_size", "must be between 257 (one merge) and 1,048,576");
        Check(l.TestEvery >= 2, "ladder.test_every", "must be at least 2 (1 in test_every encoded sequences is held out)");
        Check(l.SampleTokens is null or > 0, "ladder.sample_tokens", "must be positive");
        if (l.SampleTokens is { } sample && s.Tokens is { Length: > 0 } budgets)
            Check(sample >= TrainTokensNeeded(budgets.Max(), s.Batch, s.Data.SequenceLength), "ladder.sample_tokens",
                $"must cover the largest budget: at least {TrainTokensNeeded(budgets.Max(), s.Batch, s.Data.SequenceLength):N0} tokens");
        Check(l.Rungs is { Length: > 0 }, "ladder.rungs", "must list at least one rung");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < l.Rungs.Length; i++)
        {
            var r = l.Rungs[i];
            string at = $"ladder.rungs[{i}]";
            Check(r is not null, at, "must be an object");
            Check(!string.IsNullOrEmpty(r!.Name) && r.Name.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.'), $"{at}.name",
                "must be a non-empty name of letters, digits, '-', '_' or '.'");
            Check(names.Add(r.Name), $"{at}.name", $"'{r.Name}' names two rungs");
            Check(r.Kind is LadderRungSpec.Bigram or LadderRungSpec.Transformer or LadderRungSpec.Real, $"{at}.kind", "must be bigram, transformer or real");
            bool transformer = r.Kind == LadderRungSpec.Transformer;
            Only(r.Alpha, r.Kind == LadderRungSpec.Bigram, $"{at}.alpha", "bigram");
            foreach (var (value, field) in new (object?, string)[] { (r.Layers, "layers"), (r.Width, "width"), (r.Tokens, "tokens"), (r.LearningRate, "learning_rate"), (r.Batch, "batch") })
            {
                Only(value, transformer, $"{at}.{field}", "transformer");
                if (transformer && field != "batch") Check(value is not null, $"{at}.{field}", "a transformer rung needs it");
            }
            Check(r.Alpha is null || (r.Alpha > 0 && double.IsFinite(r.Alpha.Value)), $"{at}.alpha", "must be positive and finite");
            Check(r.Layers is null or > 0, $"{at}.layers", "must be positive");
            Check(r.Width is null || (r.Width > 0 && r.Width % HeadsFor(r.Width.Value) == 0 && r.Width / HeadsFor(r.Width.Value) % 2 == 0), $"{at}.width",
                "must split into max(4, width/64) heads of even size (e.g. a multiple of 8)");
            Check(r.Tokens is null || r.Tokens >= (long)(r.Batch ?? DefaultGeneratorBatch) * (s.Data.SequenceLength - 1), $"{at}.tokens",
                "must cover at least one batch (batch × (sequence_length − 1) tokens)");
            Check(r.LearningRate is null || (r.LearningRate > 0 && double.IsFinite(r.LearningRate.Value)), $"{at}.learning_rate", "must be positive and finite");
            Check(r.Batch is null or > 0, $"{at}.batch", "must be positive");
        }
    }

    /// <summary>Sequences per step of a transformer generator's training when its rung gives no batch.</summary>
    public const int DefaultGeneratorBatch = 32;

    /// <summary>Tokens a training file must hold for a student budget of <paramref name="tokens"/>: whole batches of sequences, one spare batch.</summary>
    public static long TrainTokensNeeded(long tokens, int batch, int sequenceLength) =>
        ((tokens + sequenceLength - 2) / (sequenceLength - 1) + batch) * sequenceLength;

    private static void Only(object? value, bool applies, string field, string kind) =>
        Check(value is null || applies, field, $"applies only to a {kind} rung");

    /// <summary>DIR/spec.json of a ladder sweep: the spec without the graph it does not use, so it parses back.</summary>
    public static string Serialize(SweepSpec s) => Json.Serialize(new
    {
        s.Name,
        Data = new { s.Data.Kind, s.Data.SequenceLength, s.Data.TestTokens },
        s.Ladder,
        s.Model, s.Tokens, s.LearningRates, s.Seeds, s.Batch, s.EvalPoints, s.WarmupFraction, s.WeightDecay, s.GradClip, s.Backend,
    });
}
