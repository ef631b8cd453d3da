using BenchmarkDotNet.Attributes;
using MiniTransformer.Data.Graphs;

namespace MiniTransformer.Bench;

/// <summary>
/// Graph generation up to the in-memory CSR (what igraph's constructors return), on the sizes of the reference
/// experiments. Reference side: `tools/graph_reference.py generators` (igraph).
/// </summary>
[MemoryDiagnoser]
public class GraphBenchmarks
{
    [Benchmark(Description = "ER G(n,M) 8,192/53,292")]
    public Graph ErdosRenyi8192() => new GraphSpec(GraphSpec.ErGnm, 8192, Edges: 53_292, Seed: 1).Generate();

    [Benchmark(Description = "BA 8,192/m=6")]
    public Graph BarabasiAlbert8192() => new GraphSpec(GraphSpec.Ba, 8192, M: 6, Seed: 1).Generate();

    [Benchmark(Description = "ER G(n,M) 50,000/2,000,000")]
    public Graph ErdosRenyi50000() => new GraphSpec(GraphSpec.ErGnm, 50_000, Edges: 2_000_000, Seed: 1).Generate();

    [Benchmark(Description = "ER G(n,p) 50,000/p=0.0016")]
    public Graph ErdosRenyiGnp50000() => new GraphSpec(GraphSpec.ErGnp, 50_000, P: 0.0016, Seed: 1).Generate();
}
