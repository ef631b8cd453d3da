using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using MiniTransformer.IO;

namespace MiniTransformer.Sweeps;

/// <summary>
/// One fully resolved run of a sweep: everything that determines its result and nothing else (no worker count,
/// no output paths). Its <see cref="Id"/> is a hash of this content, so the same run is never stored twice and a
/// re-run sweep skips what is already done.
/// </summary>
public sealed record RunConfig(
    DataSpec Data,
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
    internal static readonly JsonSerializerOptions Canonical = new(Json.Options) { WriteIndented = false };

    /// <summary>The canonical JSON the id is computed from (property order is declaration order).</summary>
    [JsonIgnore]
    public string CanonicalJson => JsonSerializer.Serialize(this, Canonical);

    /// <summary>First 16 hex digits of SHA-256 of <see cref="CanonicalJson"/>.</summary>
    [JsonIgnore]
    public string Id => HashId(CanonicalJson);

    [JsonIgnore]
    public string Kind => DataSpec.GraphWalks;

    [JsonIgnore]
    public double EstimatedCost => SweepPlan.EstimatedCost(this);

    public string Describe() => $"L{Layers} d{Width} D={Tokens:N0} lr={LearningRate:G3} seed={Seed}";

    /// <summary>First 16 hex digits of SHA-256 of a canonical JSON text: the run id convention of every run kind.</summary>
    public static string HashId(string canonicalJson) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)))[..16];
}
