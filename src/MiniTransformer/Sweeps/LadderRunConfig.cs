using System.Text.Json;
using System.Text.Json.Serialization;

namespace MiniTransformer.Sweeps;

/// <summary>
/// What makes a ladder's data, resolved: the corpus by content (SHA-256 of its documents' bytes, so the same text gives
/// the same ids on every machine and a path never enters an id), the tokenizer vocabulary, the encoding and split,
/// the sampled corpus sizes, the generator and sample seeds, and the backend the generators are trained on.
/// </summary>
public sealed record LadderDataConfig(
    string CorpusSha256,
    int VocabSize,
    int SequenceLength,
    int TestEvery,
    long SampleTokens,
    long TestTokens,
    ulong GeneratorSeed,
    ulong SampleSeed,
    string GeneratorBackend);

/// <summary>
/// One student run of a ladder sweep: the rung whose data it trains on (with the ladder's resolved data) and the
/// student's own settings, as a graph-walk <see cref="RunConfig"/> has them. Its id is the hash of this content, the
/// convention of every run kind.
/// </summary>
public sealed record LadderRunConfig(
    LadderDataConfig Data,
    LadderRungSpec Rung,
    int Layers,
    int Width,
    int? Heads,
    string Param,
    int BaseWidth,
    string Positions,
    bool TiedEmbeddings,
    long Tokens,
    double LearningRate,
    ulong Seed,
    int Batch,
    int EvalPoints,
    double WarmupFraction,
    double WeightDecay,
    double? GradClip,
    string Backend) : ISweepRun
{
    public const string StoreKind = "language_ladder";

    [JsonIgnore]
    public string CanonicalJson => JsonSerializer.Serialize(this, RunConfig.Canonical);

    [JsonIgnore]
    public string Id => RunConfig.HashId(CanonicalJson);

    [JsonIgnore]
    public string Kind => StoreKind;

    /// <summary>As a graph-walk run's: tokens × (12·layers·width² + 64·width).</summary>
    [JsonIgnore]
    public double EstimatedCost => (double)Tokens * (12.0 * Layers * Width * Width + 64.0 * Width);

    public string Describe() => $"{Rung.Name}: L{Layers} d{Width} D={Tokens:N0} lr={LearningRate:G3} seed={Seed}";
}
