using MiniTransformer.Cli;
using MiniTransformer.Percolation;
using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>The k-NN section of a sweep spec: defaults, every invalid or contradictory field named, run identities.</summary>
public class KnnSweepSpecTests
{
    private const string Minimal = """{ "name": "k", "data": { "kind": "percolation_knn" } }""";

    [Fact]
    public void MinimalSpecTakesTheDataPercolationDefaults()
    {
        var spec = SweepSpecLoader.Parse(Minimal);
        Assert.True(spec.IsKnn);
        var data = KnnSweepPlan.ResolveData(spec);
        Assert.Equal(new PercolationData("bethe", 200, null, null, null, 1.0 / 199, 100, 1_000_000, BetheSpec.ClustersFromRule(1, 100, 1_000_000), 1), data);
        Assert.Equal(100, data.Clusters); // (10^6/100)^(1/2)
    }

    [Theory]
    // data.percolation
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "square" } } }""", "data.percolation.lattice")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "z": 2 } } }""", "data.percolation.z")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "p": 1.0 } } }""", "data.percolation.p")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "min_size": 0 } } }""", "data.percolation.min_size")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "min_size": 50, "max_size": 40 } } }""", "data.percolation.max_size")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "clusters": 0 } } }""", "data.percolation.clusters")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "expected_large": -1 } } }""", "data.percolation.expected_large")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "clusters": 10, "expected_large": 2 } } }""", "data.percolation.expected_large")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "dimension": 2 } } }""", "data.percolation.dimension")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "side": 64 } } }""", "data.percolation.side")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "periodic": true } } }""", "data.percolation.periodic")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic" } } }""", "data.percolation.p")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic", "p": 0.6, "z": 6 } } }""", "data.percolation.z")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic", "p": 0.6, "clusters": 6 } } }""", "data.percolation.clusters")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic", "p": 0.6, "dimension": 0 } } }""", "data.percolation.dimension")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic", "p": 0.6, "side": 1 } } }""", "data.percolation.side")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic", "p": 0.6, "side": 2, "periodic": true } } }""", "data.percolation.periodic")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic", "p": 0.6, "dimension": 4, "side": 1000 } } }""", "data.percolation.side")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "sede": 3 } } }""", "data.percolation.sede")]
    // knn
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "experiments": [] } }""", "knn.experiments")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "experiments": ["data_scaling", "data_scaling"] } }""", "knn.experiments")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "experiments": ["loss_scaling"] } }""", "knn.experiments")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "test_fraction": 0 } }""", "knn.test_fraction")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "test_fraction": 1 } }""", "knn.test_fraction")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "model": "forest" } }""", "knn.model")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "model": "euclidean" } }""", "knn.model")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic", "p": 0.7 } }, "knn": { "model": "euclidean", "experiments": ["model_scaling"] } }""", "knn.model")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "k": 3 } }""", "knn.k")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "weights": "distance" } }""", "knn.weights")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic", "p": 0.7 } }, "knn": { "model": "euclidean", "shrinkage": false } }""", "knn.shrinkage")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic", "p": 0.7 } }, "knn": { "model": "euclidean", "k": 0 } }""", "knn.k")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "percolation": { "lattice": "hypercubic", "p": 0.7 } }, "knn": { "model": "euclidean", "weights": "gaussian" } }""", "knn.weights")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "model_scaling": { "points": 4 } } }""", "knn.model_scaling")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "experiments": ["model_scaling"], "data_scaling": { "points": 4 } } }""", "knn.data_scaling")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "data_scaling": { "train_sizes": [10, 100], "rates": [0.1] } } }""", "knn.data_scaling.rates")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "data_scaling": { "train_sizes": [10, 100], "points": 5 } } }""", "knn.data_scaling.train_sizes")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "data_scaling": { "rates": [0.1], "max_train": 50 } } }""", "knn.data_scaling.rates")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "data_scaling": { "train_sizes": [10, 10] } } }""", "knn.data_scaling.train_sizes")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "data_scaling": { "train_sizes": [-1] } } }""", "knn.data_scaling.train_sizes")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "data_scaling": { "rates": [1.5] } } }""", "knn.data_scaling.rates")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "data_scaling": { "min_train": 0 } } }""", "knn.data_scaling.min_train")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "data_scaling": { "min_train": 100, "max_train": 10 } } }""", "knn.data_scaling.max_train")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "data_scaling": { "points": 0 } } }""", "knn.data_scaling.points")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "experiments": ["model_scaling"], "model_scaling": { "dofs": [4], "max_dof": 8 } } }""", "knn.model_scaling.dofs")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "experiments": ["model_scaling"], "model_scaling": { "dofs": [0.5] } } }""", "knn.model_scaling.dofs")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "experiments": ["model_scaling"], "model_scaling": { "min_dof": 0.5 } } }""", "knn.model_scaling.min_dof")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "experiments": ["model_scaling"], "model_scaling": { "min_dof": 9, "max_dof": 3 } } }""", "knn.model_scaling.max_dof")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "experiments": ["model_scaling"], "model_scaling": { "points": 0 } } }""", "knn.model_scaling.points")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "experiments": ["model_scaling"], "model_scaling": { "examples_per_dof": 0 } } }""", "knn.model_scaling.examples_per_dof")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "theory": { "tau": 3.5 } } }""", "knn.theory.tau")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "theory": { "fractal_dimension": 0 } } }""", "knn.theory.fractal_dimension")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "theory": { "c": -2 } } }""", "knn.theory.c")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "knn": { "shrinkage": "yes" } }""", "knn.shrinkage")]
    // shared fields and contradictions with transformer sweeps
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "seeds": [] }""", "seeds")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "seeds": [2, 2] }""", "seeds")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "backend": "tpu" }""", "backend")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "backend": "opencl" }""", "backend")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "tokens": [8000] }""", "tokens")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "learning_rates": [0.1] }""", "learning_rates")]
    [InlineData("""{ "data": { "kind": "percolation_knn" }, "model": { "widths": [32] } }""", "model")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "sequence_length": 50 } }""", "data.sequence_length")]
    [InlineData("""{ "data": { "kind": "percolation_knn", "graph": { "kind": "ba", "nodes": 10, "m": 2 } } }""", "data.graph")]
    [InlineData("""{ "data": { "kind": "tokens" } }""", "data.kind")]
    [InlineData("""{ "tokens": [8000], "knn": { } }""", "knn")]
    [InlineData("""{ "tokens": [8000], "data": { "percolation": { } } }""", "data.percolation")]
    public void InvalidFieldIsNamedInTheError(string json, string field)
    {
        var e = Assert.ThrowsAny<UserInputException>(() => SweepSpecLoader.Parse(json));
        Assert.Contains($"'{field}", e.Message);
    }

    [Fact]
    public void CliExitsWithCodeTwoAndNamesTheField()
    {
        var dir = Directory.CreateTempSubdirectory("mt-knn-spec-");
        try
        {
            var path = Path.Combine(dir.FullName, "spec.json");
            File.WriteAllText(path, """{ "data": { "kind": "percolation_knn" }, "knn": { "test_fraction": 2 } }""");
            var error = new StringWriter();
            Assert.Equal(2, CliApp.Run(["sweep", "--spec", path, "--out", Path.Combine(dir.FullName, "out")], new StringWriter(), error));
            Assert.Contains("'knn.test_fraction'", error.ToString());
            Assert.False(File.Exists(Path.Combine(dir.FullName, "out", ResultsStore.FileName)));
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void SpecJsonRoundTripsWithoutTransformerFields()
    {
        var spec = SweepPresets.Load("knn-quick");
        var text = SweepSpecLoader.Serialize(spec);
        Assert.DoesNotContain("learning_rates", text);
        Assert.DoesNotContain("\"model\": {", text);
        Assert.Equal(text, SweepSpecLoader.Serialize(SweepSpecLoader.Parse(text)));
    }

    /// <summary>k-NN shards are contiguous blocks of the (experiment, seed, x) order: together they hold every run once, and each keeps a seed's runs together.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(100)]
    public void KnnShardsCoverTheGridOnceInSeedBlocks(int shards)
    {
        var spec = SweepSpecLoader.Parse("""
            { "data": { "kind": "percolation_knn", "percolation": { "z": 50, "min_size": 20, "max_size": 2000, "seed": 4 } },
              "knn": { "experiments": ["data_scaling", "model_scaling"], "test_fraction": 0.05, "data_scaling": { "points": 7 }, "model_scaling": { "points": 4 } },
              "seeds": [3, 1, 2] }
            """);
        var plan = KnnSweepPlan.Expand(spec, KnnSweepPlan.ResolveData(spec).Generate());
        Assert.Equal(3 * (7 + 4), plan.Runs.Count);
        Assert.Equal(plan.Runs.Count, plan.Runs.Select(r => r.Id).Distinct().Count());
        var parts = Enumerable.Range(0, shards).Select(i => plan.Shard(i, shards)).ToList();
        Assert.Equal(plan.Runs.Select(r => r.Id), parts.SelectMany(p => p).Select(r => r.Id));
        foreach (var part in parts)
        {
            // Within a shard a (experiment, seed) group never reappears after another one started.
            var groups = part.Select(r => (r.Experiment, r.Seed)).ToList();
            var seen = new HashSet<(string, ulong)>();
            for (int i = 0; i < groups.Count; i++)
                if (i == 0 || groups[i] != groups[i - 1]) Assert.True(seen.Add(groups[i]), $"group {groups[i]} split within one shard");
        }
        Assert.Throws<UserInputException>(() => plan.Shard(shards, shards));
    }

    /// <summary>The k-NN fields must not change a transformer run's canonical JSON (and so its id): stores made before stay valid.</summary>
    [Fact]
    public void TransformerRunJsonHasNoKnnFields()
    {
        var spec = SweepSpecLoader.Parse("""{ "tokens": [8000], "model": { "widths": [32] } }""");
        var run = Assert.Single(SweepPlan.Expand(spec, (_, _) => 1000).Runs);
        Assert.DoesNotContain("percolation", run.CanonicalJson);
        Assert.DoesNotContain("knn", run.CanonicalJson);
    }

    /// <summary>SCIENCE.md's Program B set: z = 200 at p_c, sizes 300 … 3·10^7, 316 clusters, 0.1% held out; 50 seeds × 50 sizes for data scaling.</summary>
    [Fact]
    public void FullScalePresetsMirrorProgramB()
    {
        foreach (var name in new[] { "knn-data", "knn-model" })
        {
            var spec = SweepPresets.Load(name);
            var data = KnnSweepPlan.ResolveData(spec);
            Assert.Equal((200, 1.0 / 199, 300, 30_000_000, 316), (data.Z!.Value, data.P, data.MinSize, data.MaxSize, data.Clusters!.Value));
            Assert.Equal(0.001, spec.Knn!.TestFraction);
        }
        var dataScaling = SweepPresets.Load("knn-data");
        Assert.Equal(50, dataScaling.Seeds.Length);
        Assert.Equal(50, dataScaling.Knn!.DataScaling!.Points);
        Assert.Equal(["model_scaling"], SweepPresets.Load("knn-model").Knn!.Experiments);
        foreach (var name in SweepPresets.Names) SweepPresets.Load(name);
    }
}
