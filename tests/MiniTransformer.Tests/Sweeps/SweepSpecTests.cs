using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Sweeps;

public class SweepSpecTests
{
    private const string Valid = """
        { "name": "t", "tokens": [8000, 16000], "learning_rates": [0.01, 0.03], "seeds": [0, 1],
          "model": { "layers": [1, 2], "widths": [32, 64] }, "batch": 4 }
        """;

    [Fact]
    public void ValidSpecParsesWithDefaults()
    {
        var spec = SweepSpecLoader.Parse(Valid);
        Assert.Equal([1, 2], spec.Model.Layers);
        Assert.Equal("graph_walks", spec.Data.Kind);
        Assert.Equal(50, spec.Data.SequenceLength);
    }

    [Theory]
    [InlineData("""{ "tokens": [8000], "model": { "widths": [] } }""", "model.widths")]
    [InlineData("""{ "tokens": [8000], "model": { "widths": [30] } }""", "model.widths")]
    [InlineData("""{ "tokens": [8000], "model": { "param": "ntk" } }""", "model.param")]
    [InlineData("""{ "tokens": [8000], "compute": [1e12] }""", "tokens")]
    [InlineData("""{ }""", "tokens")]
    [InlineData("""{ "tokens": [-5] }""", "tokens")]
    [InlineData("""{ "tokens": [8000], "learning_rates": [0] }""", "learning_rates")]
    [InlineData("""{ "tokens": [8000], "seeds": [1, 1] }""", "seeds")]
    [InlineData("""{ "tokens": [8000], "batch": 0 }""", "batch")]
    [InlineData("""{ "tokens": [8000], "backend": "tpu" }""", "backend")]
    [InlineData("""{ "tokens": [8000], "data": { "graph": { "kind": "er-gnm", "nodes": 10, "edges": 46 } } }""", "data.graph")]
    [InlineData("""{ "tokens": [8000], "data": { "graph": { "kind": "er-gnp", "nodes": 10, "p": 1.5 } } }""", "data.graph")]
    [InlineData("""{ "tokens": [8000], "data": { "graph": { "kind": "ba", "nodes": 10, "m": 10 } } }""", "data.graph")]
    [InlineData("""{ "tokens": [8000], "data": { "sequence_length": 1 } }""", "data.sequence_length")]
    [InlineData("""{ "tokens": [8000], "lerning_rates": [0.1] }""", "lerning_rates")]
    [InlineData("""{ "tokens": "many" }""", "tokens")]
    public void InvalidFieldIsNamedInTheError(string json, string field)
    {
        var e = Assert.ThrowsAny<UserInputException>(() => SweepSpecLoader.Parse(json));
        Assert.Contains($"'{field}", e.Message);
    }

    [Fact]
    public void RunIdIsContentAddressed()
    {
        var plan = SweepPlan.Expand(SweepSpecLoader.Parse(Valid), (l, w) => 12L * l * w * w);
        Assert.Equal(2 * 2 * 2 * 2 * 2, plan.Runs.Count);
        Assert.Equal(plan.Runs.Count, plan.Runs.Select(r => r.Id).Distinct().Count());
        var again = SweepPlan.Expand(SweepSpecLoader.Parse(Valid.Replace("\"t\"", "\"renamed\"")), (l, w) => 12L * l * w * w);
        Assert.Equal(plan.Runs.Select(r => r.Id).Order(), again.Runs.Select(r => r.Id).Order());
        Assert.NotEqual(plan.Runs[0].Id, (plan.Runs[0] with { LearningRate = 0.5 }).Id);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(40)]
    public void ShardsCoverTheGridExactlyOnce(int shards)
    {
        var plan = SweepPlan.Expand(SweepSpecLoader.Parse(Valid), (l, w) => 12L * l * w * w);
        var all = Enumerable.Range(0, shards).SelectMany(i => plan.Shard(i, shards)).Select(r => r.Id).ToList();
        Assert.Equal(plan.Runs.Count, all.Count);
        Assert.Equal(plan.Runs.Select(r => r.Id).Order(), all.Order());
    }

    [Fact]
    public void ComputeBudgetsGiveWholeBatchesOfTokens()
    {
        var spec = SweepSpecLoader.Parse("""{ "compute": [6e9], "model": { "widths": [32] }, "batch": 4 }""");
        long n = 100_000;
        var plan = SweepPlan.Expand(spec, (_, _) => n);
        long expected = (long)Math.Round(6e9 / (6.0 * n) / 200) * 200;
        Assert.Equal(expected, Assert.Single(plan.Runs).Tokens);
    }
}
