using MiniTransformer.Sweeps;

namespace MiniTransformer.Reports;

/// <summary>One row of the results store's <c>runs</c> table, typed.</summary>
public sealed record RunRow(
    string Id, string Sweep, string Status, string? Reason, int Layers, int Width, long Tokens, double LearningRate, ulong Seed,
    long? Parameters, long? NonEmbeddingParameters, double? FinalTestLoss, double? ExactFlops, double? SixNd, double? SixNdNonEmbedding,
    double? EntropyRate, double? WallSeconds, string? RecordJson)
{
    public bool IsDone => Status == "done" && FinalTestLoss is { } l && double.IsFinite(l) && NonEmbeddingParameters > 0;
}

/// <summary>
/// L(N, D) at one grid cell as SCIENCE.md reports it: the best test loss over learning rates and seeds, with the
/// spread over seeds at that best learning rate (min–max) for the error bar.
/// </summary>
public sealed record ScalingCell(int Layers, int Width, long N, long NWithEmbeddings, long D, double Loss, double SeedMin, double SeedMax,
    int Seeds, double BestLearningRate)
{
    /// <summary>Conventional compute 6·N·D with N the non-embedding count.</summary>
    public double Compute => 6.0 * N * D;
}

/// <summary>A sweep directory read back: its spec, every run of that sweep in the store, and the grid cells.</summary>
public sealed class SweepResults
{
    public string Directory { get; }
    public SweepSpec Spec { get; }
    public string SpecJson { get; }
    public IReadOnlyList<RunRow> Runs { get; }
    public IReadOnlyList<ScalingCell> Cells { get; }
    /// <summary>The walk's entropy rate (nats/token): the irreducible loss, drawn as the floor.</summary>
    public double? EntropyRate { get; }

    public SweepResults(string directory, SweepSpec spec, string specJson, IReadOnlyList<RunRow> runs)
    {
        Directory = directory;
        Spec = spec;
        SpecJson = specJson;
        Runs = runs;
        Cells = BuildCells(runs);
        EntropyRate = runs.Select(r => r.EntropyRate).FirstOrDefault(e => e is { } v && double.IsFinite(v));
    }

    /// <summary>Reads DIR/spec.json and DIR/results.db; a missing or malformed file is a <see cref="UserInputException"/>.</summary>
    public static SweepResults Load(string directory)
    {
        var (spec, specJson, storePath) = Locate(directory);
        if (spec.IsKnn) throw new UserInputException($"'{directory}' holds a k-NN sweep; its report is KnnSweepReport's");
        using var store = new ResultsStore(storePath);
        var runs = ReadRuns(store).Where(r => r.Sweep == spec.Name).ToList();
        return new SweepResults(directory, spec, specJson, runs);
    }

    /// <summary>A sweep directory's parsed spec, its text, and the store path; a missing or malformed file is a <see cref="UserInputException"/>.</summary>
    public static (SweepSpec Spec, string SpecJson, string StorePath) Locate(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new UserInputException($"sweep directory '{directory}' does not exist");
        var specPath = Path.Combine(directory, "spec.json");
        var storePath = Path.Combine(directory, ResultsStore.FileName);
        if (!File.Exists(specPath)) throw new UserInputException($"'{specPath}' does not exist (is '{directory}' a sweep directory?)");
        if (!File.Exists(storePath)) throw new UserInputException($"'{storePath}' does not exist (run `sweep` first, or `sweep merge` shard stores into it)");
        var specJson = File.ReadAllText(specPath);
        return (SweepSpecLoader.Parse(specJson, specPath), specJson, storePath);
    }

    /// <summary>The transformer runs of a store (k-NN rows have no layers or tokens; <see cref="KnnSweepResults"/> reads those).</summary>
    public static List<RunRow> ReadRuns(ResultsStore store) => store.Rows().Where(r => (string)r["kind"]! == DataSpec.GraphWalks).Select(ToRunRow).ToList();

    /// <summary>A store row of a transformer run (graph-walk or language-ladder student) typed.</summary>
    public static RunRow ToRunRow(Dictionary<string, object?> r) => new RunRow(
        (string)r["id"]!, (string)r["sweep"]!, (string)r["status"]!, r["reason"] as string,
        (int)Convert.ToInt64(r["layers"]), (int)Convert.ToInt64(r["width"]), Convert.ToInt64(r["tokens"]), Convert.ToDouble(r["learning_rate"]),
        unchecked((ulong)Convert.ToInt64(r["seed"])),
        Long(r["parameters"]), Long(r["non_embedding_parameters"]), Double(r["final_test_loss"]), Double(r["exact_flops"]),
        Double(r["six_nd"]), Double(r["six_nd_non_embedding"]), Double(r["entropy_rate"]), Double(r["wall_seconds"]), r["record_json"] as string);

    private static List<ScalingCell> BuildCells(IReadOnlyList<RunRow> runs) => runs.Where(r => r.IsDone)
        .GroupBy(r => (r.Layers, r.Width, r.Tokens))
        .Select(g =>
        {
            var best = g.MinBy(r => r.FinalTestLoss!.Value)!;
            var atBestLr = g.Where(r => r.LearningRate == best.LearningRate).Select(r => r.FinalTestLoss!.Value).ToList();
            return new ScalingCell(g.Key.Layers, g.Key.Width, best.NonEmbeddingParameters!.Value, best.Parameters ?? best.NonEmbeddingParameters!.Value,
                g.Key.Tokens, best.FinalTestLoss!.Value, atBestLr.Min(), atBestLr.Max(), atBestLr.Count, best.LearningRate);
        })
        .OrderBy(c => c.N).ThenBy(c => c.D).ToList();

    private static long? Long(object? v) => v is null ? null : Convert.ToInt64(v);
    private static double? Double(object? v) => v is null ? null : Convert.ToDouble(v);
}
