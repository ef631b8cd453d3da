using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using MiniTransformer.IO;

namespace MiniTransformer.Data;

/// <summary>
/// A token stream on disk: <c>NAME.bin</c> holds little-endian uint32 tokens, <c>NAME.json</c> (the sidecar)
/// says what they are. Readable from Python with <c>np.fromfile("x.bin", dtype="&lt;u4")</c> and <c>json.load</c>.
/// </summary>
public static class TokenFile
{
    public static string SidecarPath(string binPath) => Path.ChangeExtension(binPath, ".json");

    /// <summary>Writes tokens and sidecar as one unit: both appear, or neither does.</summary>
    public static void Write(string binPath, ReadOnlySpan<uint> tokens, TokenSidecar sidecar, bool force)
    {
        if (!binPath.EndsWith(".bin", StringComparison.Ordinal))
            throw new UserInputException($"token file '{binPath}' must end in .bin (its sidecar is the .json beside it)");
        var bytes = new byte[tokens.Length * sizeof(uint)];
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(tokens).CopyTo(bytes);
        else for (int i = 0; i < tokens.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), tokens[i]);
        var json = Json.Serialize(sidecar);
        AtomicFile.WriteAll(force,
            (binPath, s => s.Write(bytes)),
            (SidecarPath(binPath), s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(json); }));
    }

    public static TokenSidecar ReadSidecar(string binPath) => Json.ReadFile<TokenSidecar>(SidecarPath(binPath));

    /// <summary>Reads all tokens, checking the file against its sidecar (length, vocabulary).</summary>
    public static uint[] ReadTokens(string binPath, TokenSidecar sidecar)
    {
        if (!File.Exists(binPath)) throw new UserInputException($"token file '{binPath}' does not exist");
        var length = new FileInfo(binPath).Length;
        if (length % sizeof(uint) != 0) throw new UserInputException($"'{binPath}' is {length} bytes, not a whole number of uint32 tokens");
        if (length / sizeof(uint) != sidecar.TokenCount)
            throw new UserInputException($"'{binPath}' holds {length / sizeof(uint)} tokens but its sidecar says {sidecar.TokenCount}");
        var tokens = new uint[length / sizeof(uint)];
        using (var stream = File.OpenRead(binPath)) stream.ReadExactly(MemoryMarshal.AsBytes(tokens.AsSpan()));
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < tokens.Length; i++) tokens[i] = BinaryPrimitives.ReverseEndianness(tokens[i]);
        foreach (var t in tokens)
            if (t >= sidecar.VocabSize) throw new UserInputException($"'{binPath}' holds token {t}, outside its vocabulary of {sidecar.VocabSize}");
        return tokens;
    }
}

/// <summary>
/// The JSON sidecar of a token file. <see cref="SequenceLength"/> tokens make one sequence (a walk, a sample);
/// <see cref="EntropyRateNats"/> is the data's irreducible loss per token when it is known (graph walks: exact;
/// generated text: the Monte-Carlo estimate), the floor a trained model's test loss approaches.
/// <see cref="Generator"/> records how the tokens were made (kind, config, seed) so they can be made again.
/// </summary>
public sealed record TokenSidecar(
    string Format,
    int VocabSize,
    int SequenceLength,
    long SequenceCount,
    long TokenCount,
    double? EntropyRateNats,
    JsonObject Generator)
{
    public const string CurrentFormat = "minitransformer.tokens.v1";
}
