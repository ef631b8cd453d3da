using BenchmarkDotNet.Attributes;
using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;

namespace MiniTransformer.Bench;

/// <summary>
/// Walk sampling, 5M tokens (100,000 walks × 50) into a preallocated buffer, on the ER 8,192/53,292 graph
/// (unweighted) and the weighted BA 8,192/m=6 graph (κ = 1 on [1, 10]). Reference side:
/// `tools/graph_reference.py walks` (vectorised numpy) on the same graph files.
/// </summary>
public class WalkBenchmarks
{
    private const int Length = 50, Count = 100_000;
    private WalkTables _er = null!, _baWeighted = null!;
    private readonly uint[] _tokens = new uint[Length * Count];

    [Params(1, 0)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _er = WalkTableBuilder.Build(new GraphSpec(GraphSpec.ErGnm, 8192, Edges: 53_292, Seed: 0).Generate());
        _baWeighted = WalkTableBuilder.Build(new GraphSpec(GraphSpec.Ba, 8192, M: 6, Weights: new PowerLawWeights(1, 1, 10), Seed: 0).Generate());
    }

    [Benchmark(Description = "walks 5M tokens, ER 8,192/53,292")]
    public void ErdosRenyi() => WalkSampler.Sample(_er, 0, 0, Count, Length, _tokens, Threads);

    [Benchmark(Description = "walks 5M tokens, BA 8,192/m=6 weighted")]
    public void BarabasiAlbertWeighted() => WalkSampler.Sample(_baWeighted, 0, 0, Count, Length, _tokens, Threads);

    [Benchmark(Description = "alias tables, BA 8,192/m=6 weighted")]
    public WalkTables BuildTables() => WalkTableBuilder.Build(new GraphSpec(GraphSpec.Ba, 8192, M: 6, Weights: new PowerLawWeights(1, 1, 10), Seed: 0).Generate());
}
