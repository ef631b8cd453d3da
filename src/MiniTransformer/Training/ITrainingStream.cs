using MiniTransformer.Model;

namespace MiniTransformer.Training;

/// <summary>
/// Where a run's batches come from, read once in order: batch i is sequences [i·B, (i+1)·B) of a fixed sequence
/// source, each sequence one example (inputs its first S − 1 tokens, targets its last S − 1). A token file
/// (<see cref="TokenBatches"/>) and walks sampled on the compute device (<see cref="WalkStream"/>) give the same
/// batches for the same walks, so a run's result does not depend on which one fed it.
/// </summary>
public interface ITrainingStream : IDisposable
{
    /// <summary>What the run record names as its data: a file path or a description of the generator.</summary>
    string Source { get; }

    int VocabSize { get; }

    /// <summary>Tokens per sequence S (the model sees S − 1 positions).</summary>
    int SequenceLength { get; }

    /// <summary>The data's irreducible loss in nats/token, when the generator knows it.</summary>
    double? EntropyRateNats { get; }

    /// <summary>Whole batches the stream holds.</summary>
    long BatchCount { get; }

    /// <summary>Puts batch <paramref name="index"/> into the model's input and target buffers.</summary>
    void Load(long index, Gpt model);
}
