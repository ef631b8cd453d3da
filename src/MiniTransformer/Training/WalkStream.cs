using MiniTransformer.Compute;
using MiniTransformer.Data.Graphs;
using MiniTransformer.Data.Walks;
using MiniTransformer.Model;

namespace MiniTransformer.Training;

/// <summary>
/// Training batches sampled on the compute device as they are needed: batch i is walks
/// firstWalk + i·B … firstWalk + (i+1)·B − 1 of the stream (tables, seed), the same walks — bit for bit — that
/// <see cref="WalkFile"/> writes for that range, so a run fed by this stream equals the run fed by the file.
/// Nothing goes through the host per step and nothing is written to disk, however many tokens a run takes.
/// </summary>
public sealed class WalkStream : ITrainingStream
{
    private readonly ComputeBackend _backend;
    private readonly DeviceBuffer<int> _offsets, _neighbors, _alias, _startAlias, _walks;
    private readonly DeviceBuffer<uint> _threshold, _startThreshold;
    private readonly DeviceWalkTables _tables;
    private readonly ulong _seed;
    private readonly long _firstWalk;
    private readonly int _batchSize;

    /// <param name="walkCount">Walks the stream may use, from <paramref name="firstWalk"/> on.</param>
    public WalkStream(ComputeBackend backend, Graph graph, int sequenceLength, int batchSize, ulong seed, long firstWalk, long walkCount,
        string source)
    {
        if (sequenceLength < 2) throw new UserInputException($"walks of {sequenceLength} tokens are too short; next-token training needs at least 2");
        if (batchSize < 1) throw new UserInputException($"batch size {batchSize} must be at least 1");
        if (firstWalk < 0 || walkCount < 0 || firstWalk > long.MaxValue - walkCount)
            throw new UserInputException($"walk range {firstWalk} + {walkCount} is not a valid range of walk indices");
        _backend = backend;
        _seed = seed;
        _firstWalk = firstWalk;
        _batchSize = batchSize;
        SequenceLength = sequenceLength;
        VocabSize = graph.NodeCount;
        EntropyRateNats = EntropyRate.Compute(graph);
        BatchCount = walkCount / batchSize;
        Source = source;
        var host = WalkTableBuilder.Build(graph);
        _offsets = backend.UploadNew<int>(host.Offsets);
        _neighbors = backend.UploadNew<int>(host.Neighbors);
        _threshold = backend.UploadNew<uint>(host.Threshold);
        _alias = backend.UploadNew<int>(host.Alias);
        _startThreshold = backend.UploadNew<uint>(host.StartThreshold);
        _startAlias = backend.UploadNew<int>(host.StartAlias);
        _tables = new DeviceWalkTables(host.NodeCount, _offsets, _neighbors, _threshold, _alias, _startThreshold, _startAlias);
        _walks = backend.Allocate<int>((long)batchSize * sequenceLength);
    }

    public string Source { get; }
    public int VocabSize { get; }
    public int SequenceLength { get; }
    public double? EntropyRateNats { get; }
    public long BatchCount { get; }

    public void Load(long index, Gpt model)
    {
        if (index < 0 || index >= BatchCount)
            throw new UserInputException($"{Source} holds {BatchCount} batches of {_batchSize} walks; batch {index} was asked for");
        _backend.SampleWalks(_walks, _tables, SequenceLength, _firstWalk + index * _batchSize, _batchSize, _seed);
        model.SetBatch(_walks);
    }

    public void Dispose()
    {
        foreach (var buffer in new IDisposable[] { _offsets, _neighbors, _threshold, _alias, _startThreshold, _startAlias, _walks }) buffer.Dispose();
    }
}
