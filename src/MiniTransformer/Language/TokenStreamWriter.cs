using System.Buffers.Binary;
using MiniTransformer.Data;
using MiniTransformer.IO;

namespace MiniTransformer.Language;

/// <summary>
/// Writes a <see cref="TokenFile"/> whose tokens arrive in pieces (an encoded corpus, a sampled corpus larger than
/// memory): tokens stream to a hidden temporary sibling, and <see cref="CommitAll"/> renames every writer's .bin and
/// .json into place only after all of them were written — so outputs appear together or not at all, as with
/// <see cref="AtomicFile.WriteAll"/>. A writer disposed without commit deletes its temporary file.
/// </summary>
public sealed class TokenStreamWriter : IDisposable
{
    private readonly string _path;
    private readonly bool _force;
    private readonly string _temp;
    private FileStream? _stream;
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _buffered;

    public long TokenCount { get; private set; }

    public TokenStreamWriter(string binPath, bool force)
    {
        if (!binPath.EndsWith(".bin", StringComparison.Ordinal))
            throw new UserInputException($"token file '{binPath}' must end in .bin (its sidecar is the .json beside it)");
        AtomicFile.EnsureWritable(binPath, force);
        AtomicFile.EnsureWritable(TokenFile.SidecarPath(binPath), force);
        (_path, _force, _temp) = (binPath, force, AtomicFile.TempSibling(binPath));
        _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
    }

    public void Write(ReadOnlySpan<int> tokens)
    {
        foreach (int t in tokens)
        {
            if (_buffered == _buffer.Length) Flush();
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_buffered), (uint)t);
            _buffered += sizeof(uint);
        }
        TokenCount += tokens.Length;
    }

    private void Flush()
    {
        _stream!.Write(_buffer, 0, _buffered);
        _buffered = 0;
    }

    /// <summary>Finishes every writer with its sidecar, then renames all files into place.</summary>
    public static void CommitAll(params (TokenStreamWriter Writer, TokenSidecar Sidecar)[] outputs)
    {
        foreach (var (writer, sidecar) in outputs)
            if (sidecar.TokenCount != writer.TokenCount)
                throw new InvalidOperationException($"sidecar of '{writer._path}' says {sidecar.TokenCount} tokens, {writer.TokenCount} were written");
        var sidecarTemps = new List<string>();
        try
        {
            foreach (var (writer, sidecar) in outputs)
            {
                writer.Flush();
                writer._stream!.Flush(flushToDisk: true);
                writer._stream.Dispose();
                writer._stream = null;
                var temp = AtomicFile.TempSibling(TokenFile.SidecarPath(writer._path));
                sidecarTemps.Add(temp);
                File.WriteAllText(temp, Json.Serialize(sidecar));
            }
            for (int i = 0; i < outputs.Length; i++)
            {
                var writer = outputs[i].Writer;
                File.Move(writer._temp, writer._path, overwrite: writer._force);
                File.Move(sidecarTemps[i], TokenFile.SidecarPath(writer._path), overwrite: writer._force);
            }
        }
        finally
        {
            foreach (var temp in sidecarTemps) File.Delete(temp);
        }
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        File.Delete(_temp); // a no-op after a commit moved it away
    }
}
