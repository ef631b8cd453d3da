namespace MiniTransformer.Sweeps;

/// <summary>
/// What the planner, executor and results store need of one run, whatever it runs: a content id (hash of the fully
/// resolved config, so a run is stored once and a re-run sweep skips it), the canonical JSON it was hashed from, the
/// store's kind label, a relative cost for ordering and ETAs, and a one-line description for progress output.
/// </summary>
public interface ISweepRun
{
    string Id { get; }
    string CanonicalJson { get; }
    ulong Seed { get; }

    /// <summary>The <c>kind</c> column of the store: graph_walks, knn_data_scaling, knn_model_scaling or language_ladder.</summary>
    string Kind { get; }

    /// <summary>Relative cost (only ratios between runs of one sweep matter).</summary>
    double EstimatedCost { get; }

    string Describe();
}
