using MiniTransformer.Sweeps;

namespace MiniTransformer.Tests.Sweeps;

/// <summary>The ladder section of a sweep spec: every invalid or foreign field is named; presets parse; spec.json round-trips.</summary>
public class LadderSweepSpecTests
{
    private const string Rungs = """[{ "name": "b", "kind": "bigram" }, { "name": "t", "kind": "transformer", "layers": 1, "width": 16, "tokens": 1024, "learning_rate": 0.01 }, { "name": "r", "kind": "real" }]""";

    private static string Spec(string ladder = $$"""{ "corpus": "c.txt", "rungs": {{Rungs}} }""", string data = "", string top = "", int sequenceLength = 17) =>
        $$"""{ "name": "l", "data": { "kind": "language_ladder", "sequence_length": {{sequenceLength}}{{data}} }, "ladder": {{ladder}}, "tokens": [256, 512], "batch": 8{{top}} }""";

    private static string Ladder(string fields, string rungs = Rungs) => $$"""{ "corpus": "c.txt", "rungs": {{rungs}}{{fields}} }""";

    private static string OneRung(string rung) => Ladder("", $"[{rung}]");

    [Fact]
    public void MinimalSpecParsesWithTheLadderDefaults()
    {
        var spec = SweepSpecLoader.Parse(Spec());
        Assert.True(spec.IsLadder);
        Assert.Equal((1024, 10, 1UL, 1UL, (long?)null), (spec.Ladder!.VocabSize, spec.Ladder.TestEvery, spec.Ladder.GeneratorSeed, spec.Ladder.SampleSeed, spec.Ladder.SampleTokens));
        Assert.Equal(["b", "t", "r"], spec.Ladder.Rungs.Select(r => r.Name));
        // DIR/spec.json parses back to the same spec (records compare arrays by reference, so compare the JSON).
        var again = SweepSpecLoader.Parse(SweepSpecLoader.Serialize(spec));
        Assert.Equal(SweepSpecLoader.Serialize(spec), SweepSpecLoader.Serialize(again));
    }

    [Theory]
    [InlineData("ladder")]
    [InlineData("ladder-quick")]
    public void PresetsParseAsLadders(string name)
    {
        var spec = SweepPresets.Load(name);
        Assert.True(spec.IsLadder);
        Assert.Equal(LadderSpecValidator.DefaultCorpus, spec.Ladder!.Corpus);
        Assert.Equal([2], spec.Model.Layers); // the fixed 2-layer student
        Assert.Contains(spec.Ladder.Rungs, r => r.Kind == LadderRungSpec.Real);
    }

    [Theory]
    [InlineData("""{ "vocab_size": 256 }""", "ladder.vocab_size")]
    [InlineData("""{ "test_every": 1 }""", "ladder.test_every")]
    [InlineData("""{ "sample_tokens": 0 }""", "ladder.sample_tokens")]
    [InlineData("""{ "sample_tokens": 100 }""", "ladder.sample_tokens")]
    [InlineData("""{ "corpus": " " }""", "ladder.corpus")]
    [InlineData("""{ "unknown": 1 }""", "ladder.unknown")]
    public void InvalidLadderFieldsAreNamed(string patch, string field)
    {
        // Merge the patch's single field into the default ladder section.
        string inner = patch.Trim()[1..^1].Trim();
        string ladder = inner.StartsWith("\"corpus\"") ? $$"""{ {{inner}}, "rungs": {{Rungs}} }""" : Ladder(", " + inner);
        AssertNamed(Spec(ladder), field);
    }

    [Theory]
    [InlineData("[]", "ladder.rungs")]
    [InlineData("""[{ "name": "a", "kind": "real" }, { "name": "a", "kind": "bigram" }]""", "ladder.rungs[1].name")]
    [InlineData("""[{ "name": "", "kind": "real" }]""", "ladder.rungs[0].name")]
    [InlineData("""[{ "name": "a/b", "kind": "real" }]""", "ladder.rungs[0].name")]
    [InlineData("""[{ "name": "a", "kind": "trigram" }]""", "ladder.rungs[0].kind")]
    [InlineData("""[{ "name": "a", "kind": "bigram", "alpha": 0 }]""", "ladder.rungs[0].alpha")]
    [InlineData("""[{ "name": "a", "kind": "real", "alpha": 0.1 }]""", "ladder.rungs[0].alpha")]
    [InlineData("""[{ "name": "a", "kind": "bigram", "layers": 1 }]""", "ladder.rungs[0].layers")]
    [InlineData("""[{ "name": "a", "kind": "real", "tokens": 1000 }]""", "ladder.rungs[0].tokens")]
    [InlineData("""[{ "name": "a", "kind": "transformer", "width": 16, "tokens": 1024, "learning_rate": 0.01 }]""", "ladder.rungs[0].layers")]
    [InlineData("""[{ "name": "a", "kind": "transformer", "layers": 1, "tokens": 1024, "learning_rate": 0.01 }]""", "ladder.rungs[0].width")]
    [InlineData("""[{ "name": "a", "kind": "transformer", "layers": 1, "width": 16, "learning_rate": 0.01 }]""", "ladder.rungs[0].tokens")]
    [InlineData("""[{ "name": "a", "kind": "transformer", "layers": 1, "width": 16, "tokens": 1024 }]""", "ladder.rungs[0].learning_rate")]
    [InlineData("""[{ "name": "a", "kind": "transformer", "layers": 0, "width": 16, "tokens": 1024, "learning_rate": 0.01 }]""", "ladder.rungs[0].layers")]
    [InlineData("""[{ "name": "a", "kind": "transformer", "layers": 1, "width": 12, "tokens": 1024, "learning_rate": 0.01 }]""", "ladder.rungs[0].width")]
    [InlineData("""[{ "name": "a", "kind": "transformer", "layers": 1, "width": 16, "tokens": 100, "learning_rate": 0.01 }]""", "ladder.rungs[0].tokens")]
    [InlineData("""[{ "name": "a", "kind": "transformer", "layers": 1, "width": 16, "tokens": 1024, "learning_rate": -1 }]""", "ladder.rungs[0].learning_rate")]
    [InlineData("""[{ "name": "a", "kind": "transformer", "layers": 1, "width": 16, "tokens": 1024, "learning_rate": 0.01, "batch": 0 }]""", "ladder.rungs[0].batch")]
    public void InvalidRungFieldsAreNamed(string rungs, string field) => AssertNamed(Spec(Ladder("", rungs)), field);

    [Theory]
    [InlineData("", """, "compute": [1e9]""", "compute")]
    [InlineData("", """, "knn": {}""", "knn")]
    [InlineData(""", "graph": { "kind": "er-gnm", "nodes": 8, "edges": 16, "seed": 1 }""", "", "data.graph")]
    [InlineData(""", "percolation": {}""", "", "data.percolation")]
    public void ForeignFieldsAreNamed(string data, string top, string field) => AssertNamed(Spec(data: data, top: top), field);

    [Fact]
    public void StudentFieldsAreCheckedAsInATransformerSweep()
    {
        AssertNamed(Spec(sequenceLength: 1), "data.sequence_length");
        AssertNamed(Spec(top: """, "learning_rates": []"""), "learning_rates");
        AssertNamed(Spec().Replace("\"tokens\": [256, 512]", "\"tokens\": [64]"), "tokens"); // under one batch of 8 × 17
    }

    [Fact]
    public void ALadderSectionNeedsTheLadderKindAndViceVersa()
    {
        AssertNamed("""{ "name": "l", "data": { "kind": "language_ladder" }, "tokens": [1000] }""", "ladder");
        AssertNamed($$"""{ "name": "g", "ladder": { "rungs": {{Rungs}} }, "tokens": [1000] }""", "ladder");
    }

    private static void AssertNamed(string json, string field)
    {
        var e = Assert.Throws<UserInputException>(() => SweepSpecLoader.Parse(json));
        Assert.Contains($"'{field}'", e.Message);
    }
}
