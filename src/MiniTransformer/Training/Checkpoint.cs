using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using MiniTransformer.IO;

namespace MiniTransformer.Training;

/// <summary>
/// A mid-run snapshot: "MTCKPT01", a little-endian int32 length and that many bytes of JSON header (format,
/// options, state), then three little-endian float32 arrays in the parameter layout — parameters, Adam m, Adam v.
/// Restoring the three buffers bit-exactly plus the step counter and the host state is what makes a resumed CPU run
/// identical to an uninterrupted one.
/// </summary>
public static class Checkpoint
{
    private static readonly byte[] Magic = "MTCKPT01"u8.ToArray();

    public sealed record Header(string Format, TrainingOptions Options, TrainingState State, int OptimizerSteps, long ParameterCount);

    public const string CurrentFormat = "minitransformer.checkpoint.v1";

    public static void Write(string path, bool force, Header header, float[] parameters, float[] m, float[] v)
    {
        byte[] json = Encoding.UTF8.GetBytes(Json.Serialize(header));
        AtomicFile.Write(path, force, s =>
        {
            s.Write(Magic);
            Span<byte> len = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(len, json.Length);
            s.Write(len);
            s.Write(json);
            foreach (var array in new[] { parameters, m, v }) WriteFloats(s, array);
        });
    }

    public static (Header Header, float[] Parameters, float[] M, float[] V) Read(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"checkpoint '{path}' does not exist");
        using var s = File.OpenRead(path);
        try
        {
            var magic = new byte[Magic.Length];
            s.ReadExactly(magic);
            if (!magic.AsSpan().SequenceEqual(Magic)) throw new UserInputException($"'{path}' is not a MiniTransformer checkpoint");
            Span<byte> len = stackalloc byte[4];
            s.ReadExactly(len);
            int jsonLength = BinaryPrimitives.ReadInt32LittleEndian(len);
            if (jsonLength <= 0 || jsonLength > s.Length) throw new UserInputException($"checkpoint '{path}' has a corrupt header");
            var json = new byte[jsonLength];
            s.ReadExactly(json);
            var header = System.Text.Json.JsonSerializer.Deserialize<Header>(json, Json.Options)
                         ?? throw new UserInputException($"checkpoint '{path}' has an empty header");
            if (header.Format != CurrentFormat) throw new UserInputException($"checkpoint '{path}' has format '{header.Format}', expected '{CurrentFormat}'");
            long expected = s.Position + 3 * header.ParameterCount * sizeof(float);
            if (s.Length != expected) throw new UserInputException($"checkpoint '{path}' is {s.Length} bytes, expected {expected}");
            return (header, ReadFloats(s, header.ParameterCount), ReadFloats(s, header.ParameterCount), ReadFloats(s, header.ParameterCount));
        }
        catch (EndOfStreamException)
        {
            throw new UserInputException($"checkpoint '{path}' is truncated");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UserInputException($"checkpoint '{path}' has a malformed header: {e.Message.Split('\n')[0]}");
        }
    }

    private static void WriteFloats(Stream s, float[] values)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("checkpoints are written on little-endian hosts");
        s.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static float[] ReadFloats(Stream s, long count)
    {
        var values = new float[count];
        s.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}
