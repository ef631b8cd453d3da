using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MiniTransformer.Data;
using MiniTransformer.Model;

namespace MiniTransformer.Training;

/// <summary>
/// Batches of a token file, read from disk on demand so a run streams through its data once. The file is a list of
/// sequences of <see cref="TokenSidecar.SequenceLength"/> tokens (walks, samples); every sequence is one training
/// example — inputs are its first S−1 tokens, targets its last S−1 — so no prediction crosses a sequence boundary
/// and the per-token loss floor is exactly the data's entropy rate. Batch i holds sequences [i·B, (i+1)·B).
/// </summary>
public sealed class TokenBatches : ITrainingStream
{
    private readonly FileStream _stream;
    private readonly uint[] _buffer;
    private readonly int[] _inputs, _targets;

    public TokenBatches(string binPath, int batchSize)
    {
        Sidecar = TokenFile.ReadSidecar(binPath);
        if (!File.Exists(binPath)) throw new UserInputException($"token file '{binPath}' does not exist");
        if (Sidecar.SequenceLength < 2)
            throw new UserInputException($"'{binPath}' has sequences of {Sidecar.SequenceLength} tokens; next-token training needs at least 2");
        long bytes = new FileInfo(binPath).Length;
        if (bytes != Sidecar.TokenCount * sizeof(uint) || Sidecar.TokenCount != Sidecar.SequenceCount * Sidecar.SequenceLength)
            throw new UserInputException($"'{binPath}' is {bytes} bytes; its sidecar says {Sidecar.SequenceCount} sequences × {Sidecar.SequenceLength} tokens");
        Path = binPath;
        BatchSize = batchSize;
        _stream = new FileStream(binPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        _buffer = new uint[(long)batchSize * Sidecar.SequenceLength];
        _inputs = new int[batchSize * Context];
        _targets = new int[batchSize * Context];
    }

    public string Path { get; }
    public TokenSidecar Sidecar { get; }
    public int BatchSize { get; }
    public string Source => System.IO.Path.GetFullPath(Path);
    public int VocabSize => Sidecar.VocabSize;
    public int SequenceLength => Sidecar.SequenceLength;
    public double? EntropyRateNats => Sidecar.EntropyRateNats;

    /// <summary>Positions the model sees per sequence: S − 1.</summary>
    public int Context => Sidecar.SequenceLength - 1;

    /// <summary>Whole batches the file holds.</summary>
    public long BatchCount => Sidecar.SequenceCount / BatchSize;

    /// <summary>Reads batch <paramref name="index"/> into inputs and targets (each B·(S−1) ids).</summary>
    public void Read(long index, Span<int> inputs, Span<int> targets)
    {
        if (index < 0 || index >= BatchCount)
            throw new UserInputException($"'{Path}' holds {BatchCount} batches of {BatchSize} sequences; batch {index} was asked for");
        int s = Sidecar.SequenceLength, t = s - 1;
        _stream.Position = index * _buffer.Length * sizeof(uint);
        _stream.ReadExactly(MemoryMarshal.AsBytes(_buffer.AsSpan()));
        for (int row = 0; row < BatchSize; row++)
            for (int j = 0; j < s; j++)
            {
                uint token = _buffer[row * s + j];
                if (!BitConverter.IsLittleEndian) token = BinaryPrimitives.ReverseEndianness(token);
                if (token >= Sidecar.VocabSize)
                    throw new UserInputException($"'{Path}' holds token {token}, outside its vocabulary of {Sidecar.VocabSize}");
                if (j < t) inputs[row * t + j] = (int)token;
                if (j > 0) targets[row * t + j - 1] = (int)token;
            }
    }

    public void Load(long index, Gpt model)
    {
        Read(index, _inputs, _targets);
        model.SetBatch(_inputs, _targets);
    }

    public void Dispose() => _stream.Dispose();
}
