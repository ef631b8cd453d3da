using System.Text.Json;
using System.Text.Json.Serialization;
using MiniTransformer.Compute;
using MiniTransformer.Data.Graphs;
using MiniTransformer.IO;

namespace MiniTransformer.Sweeps;

/// <summary>
/// Reads and validates a sweep spec. Unknown fields are errors (a typo must not silently fall back to a default),
/// and every invalid or contradictory field is reported by its JSON path, e.g. <c>spec field 'model.widths'</c>.
/// </summary>
public static class SweepSpecLoader
{
    private static readonly JsonSerializerOptions Strict = new(Json.Options) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    public static SweepSpec Load(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"sweep spec '{path}' does not exist");
        return Parse(File.ReadAllText(path), path);
    }

    public static SweepSpec Parse(string json, string source = "spec")
    {
        SweepSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<SweepSpec>(json, Strict);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $" at spec field '{e.Path.TrimStart('$', '.')}'";
            throw new UserInputException($"{source}: malformed sweep spec{field}: {e.Message.Split('\n')[0]}");
        }
        if (spec is null) throw new UserInputException($"{source}: the sweep spec is empty");
        if (spec.IsKnn) KnnSpecValidator.RejectTransformerFields(json);
        if (spec.IsLadder) LadderSpecValidator.RejectForeignFields(json);
        Validate(spec);
        return spec;
    }

    /// <summary>
    /// The spec as JSON that <see cref="Parse"/> reads back to the same spec (DIR/spec.json). A k-NN spec is written
    /// without the transformer fields, which its parser rejects.
    /// </summary>
    public static string Serialize(SweepSpec spec) => spec.IsKnn
        ? JsonSerializer.Serialize(new { spec.Name, Data = new { spec.Data.Kind, spec.Data.Percolation }, spec.Knn, spec.Seeds, spec.Backend }, WithoutNulls)
        : spec.IsLadder ? LadderSpecValidator.Serialize(spec)
        : Json.Serialize(spec);

    private static readonly JsonSerializerOptions WithoutNulls = new(Json.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Throws a <see cref="UserInputException"/> naming the first invalid field.</summary>
    public static void Validate(SweepSpec s)
    {
        Check(!string.IsNullOrWhiteSpace(s.Name) && s.Name.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.'),
            "name", "must be a non-empty name of letters, digits, '-', '_' or '.'");
        Check(s.Data.Kind is DataSpec.GraphWalks or DataSpec.PercolationKnn or DataSpec.LanguageLadder, "data.kind",
            $"'{s.Data.Kind}' is not a known data kind ({DataSpec.GraphWalks}, {DataSpec.PercolationKnn}, {DataSpec.LanguageLadder})");
        if (s.IsKnn)
        {
            KnnSpecValidator.Validate(s);
            return;
        }
        Check(s.Ladder is null || s.IsLadder, "ladder", $"applies only to data.kind '{DataSpec.LanguageLadder}'");
        if (s.IsLadder) LadderSpecValidator.Validate(s);
        Check(s.Data.Percolation is null, "data.percolation", $"applies only to data.kind '{DataSpec.PercolationKnn}'");
        Check(s.Knn is null, "knn", $"applies only to data.kind '{DataSpec.PercolationKnn}'");
        ValidateGraph(s.Data.Graph);
        Check(s.Data.SequenceLength >= 2, "data.sequence_length", "must be at least 2");
        Check(s.Data.TestTokens >= s.Data.SequenceLength, "data.test_tokens", "must hold at least one sequence");
        NonEmptyPositive(s.Model.Layers, "model.layers");
        NonEmptyPositive(s.Model.Widths, "model.widths");
        Check(s.Model.Heads is null or > 0, "model.heads", "must be positive");
        if (s.Model.Heads is { } h) Check(s.Model.Widths.All(w => w % h == 0 && (w / h) % 2 == 0), "model.heads", "must divide every width into an even head size");
        else Check(s.Model.Widths.All(w => w % HeadsFor(w) == 0 && (w / HeadsFor(w)) % 2 == 0), "model.widths",
            "each width must split into max(4, width/64) heads of even size (e.g. multiples of 8)");
        Check(s.Model.Param is "sp" or "mup", "model.param", "must be 'sp' or 'mup'");
        Check(s.Model.BaseWidth > 0, "model.base_width", "must be positive");
        Check(s.Model.Positions is "rope" or "learned", "model.positions", "must be 'rope' or 'learned'");
        Check((s.Tokens is null) != (s.Compute is null), s.Tokens is null ? "tokens" : "compute",
            "give exactly one of 'tokens' (D budgets) and 'compute' (C budgets)");
        if (s.Tokens is { } d)
        {
            NonEmptyPositive(d, "tokens");
            Check(d.All(x => x >= (long)s.Batch * s.Data.SequenceLength), "tokens", "every budget must cover at least one batch (batch × sequence_length tokens)");
        }
        if (s.Compute is { } c) Check(c.Length > 0 && c.All(x => x > 0 && double.IsFinite(x)), "compute", "must be a non-empty list of positive FLOP budgets");
        Check(s.LearningRates.Length > 0 && s.LearningRates.All(x => x > 0 && double.IsFinite(x)), "learning_rates", "must be a non-empty list of positive numbers");
        Check(s.Seeds.Length > 0 && s.Seeds.Distinct().Count() == s.Seeds.Length, "seeds", "must be a non-empty list without repeats");
        Check(s.Batch > 0, "batch", "must be positive");
        Check(s.EvalPoints >= 1, "eval_points", "must be at least 1");
        Check(s.WarmupFraction is >= 0 and < 1, "warmup_fraction", "must be in [0, 1)");
        Check(s.WeightDecay >= 0, "weight_decay", "must be non-negative");
        Check(s.GradClip is null or > 0, "grad_clip", "must be positive (or null for no clipping)");
        Check(IsBackendName(s.Backend), "backend", "must be cpu, opencl or cuda");
    }

    /// <summary>
    /// Whether the compute layer knows the backend name (one list of names: <see cref="Backends.Parse"/>), written in
    /// its canonical lower-case form — the name is part of each run's content id.
    /// </summary>
    internal static bool IsBackendName(string name)
    {
        try
        {
            return Backends.Parse(name).ToString().ToLowerInvariant() == name;
        }
        catch (UserInputException)
        {
            return false;
        }
    }

    /// <summary>The default head count of SCIENCE.md: max(4, width/64).</summary>
    public static int HeadsFor(int width) => Math.Max(4, width / 64);

    private static void ValidateGraph(GraphSpec g)
    {
        try
        {
            g.Validate();
        }
        catch (UserInputException e)
        {
            throw new UserInputException($"spec field 'data.graph': {e.Message}");
        }
    }

    private static void NonEmptyPositive(int[] values, string field) =>
        Check(values.Length > 0 && values.All(v => v > 0) && values.Distinct().Count() == values.Length, field, "must be a non-empty list of distinct positive integers");

    private static void NonEmptyPositive(long[] values, string field) =>
        Check(values.Length > 0 && values.All(v => v > 0) && values.Distinct().Count() == values.Length, field, "must be a non-empty list of distinct positive integers");

    internal static void Check(bool ok, string field, string problem)
    {
        if (!ok) throw new UserInputException($"spec field '{field}': {problem}");
    }
}
