using System.Text.Json.Serialization;

namespace MiniTransformer.Sweeps;

/// <summary>
/// The language ladder of a <c>language_ladder</c> sweep (issue 9, SCIENCE.md "Data: a ladder of language generators"):
/// a text corpus, the tokenizer trained on it, and the rungs whose data the student grid is swept on — generated
/// corpora from a bigram table and from transformers of growing depth, and the real corpus itself. The student grid
/// is the spec's ordinary transformer fields (model, tokens, learning_rates, seeds, batch, …); the sequence length and
/// the held-out tokens of generated rungs are <c>data.sequence_length</c> and <c>data.test_tokens</c>.
/// </summary>
public sealed record LadderSpec
{
    /// <summary>A UTF-8 text file or a directory of them (relative paths: to the working directory). `sweep --corpus` overrides it.</summary>
    public string? Corpus { get; init; }

    /// <summary>The byte-level BPE vocabulary the tokenizer is trained to (256 bytes + merges).</summary>
    public int VocabSize { get; init; } = 1024;

    /// <summary>Sequence i of the encoded corpus is a test sequence iff i mod test_every = test_every − 1.</summary>
    public int TestEvery { get; init; } = 10;

    /// <summary>Seed of the transformer generators' training.</summary>
    public ulong GeneratorSeed { get; init; } = 1;

    /// <summary>Seed of the sampled corpora (train: sequences 0 …; test: from <see cref="LadderSweepData.TestFirstSequence"/>).</summary>
    public ulong SampleSeed { get; init; } = 1;

    /// <summary>Tokens sampled for each generated rung's training corpus; default: what the largest student budget reads.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SampleTokens { get; init; }

    public LadderRungSpec[] Rungs { get; init; } = [];
}

/// <summary>
/// One rung: <c>bigram</c> (add-α table, <see cref="Alpha"/> default 1/V), <c>transformer</c> (layers, width, tokens,
/// learning_rate, batch: trained once on the corpus' training split) or <c>real</c> (the encoded corpus). Fields a kind
/// does not use must be left out.
/// </summary>
public sealed record LadderRungSpec
{
    public const string Bigram = "bigram", Transformer = "transformer", Real = "real";

    public string Name { get; init; } = "";
    public string Kind { get; init; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? Alpha { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Layers { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Width { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? Tokens { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? LearningRate { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Batch { get; init; }
}
