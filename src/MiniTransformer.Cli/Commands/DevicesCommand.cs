using System.CommandLine;
using System.Globalization;
using MiniTransformer.Compute;
using MiniTransformer.Compute.Cpu;
using MiniTransformer.Compute.Cuda;
using MiniTransformer.Compute.OpenCL;
using MiniTransformer.IO;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// `devices`: every compute backend with the devices it can use here, or the one-line reason it cannot — the
/// same reason a verb given that --backend would fail with.
/// </summary>
public static class DevicesCommand
{
    /// <summary>One device as `devices --json` prints it (backend names as --backend spells them).</summary>
    public sealed record DeviceRow(string Backend, int Ordinal, string Name, long MemoryBytes, int ComputeUnits,
        int SimdWidth, string? ComputeCapability, string? Platform);

    /// <summary>One backend: available with its devices, or unavailable with the reason.</summary>
    public sealed record BackendRow(string Backend, bool Available, string? Reason, IReadOnlyList<DeviceRow> Devices);

    public static Command Create()
    {
        var command = new Command("devices",
            "List the compute backends (cpu, opencl, cuda) and their devices: name, memory, compute units, SIMD width or " +
            "warp size, CUDA compute capability; an unavailable backend is shown with the reason.");
        command.SetAction(parse =>
        {
            var rows = Probe();
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(CommonOptions.Json)) output.WriteLine(Json.Serialize(new { backends = rows }));
            else WriteTable(output, rows);
            return 0;
        });
        return command;
    }

    public static IReadOnlyList<BackendRow> Probe() =>
    [
        Row(BackendKind.Cpu, () => { using var cpu = new CpuBackend(); return [cpu.Info]; }),
        Row(BackendKind.OpenCL, OpenClBackend.ListDevices),
        Row(BackendKind.Cuda, CudaBackend.ListDevices),
    ];

    private static BackendRow Row(BackendKind kind, Func<IReadOnlyList<DeviceInfo>> list)
    {
        string name = Name(kind);
        try
        {
            var devices = list().Select((d, i) => new DeviceRow(name, i, d.Name, d.MemoryBytes, d.ComputeUnits, d.SimdWidth,
                d.ComputeCapability, d.Platform)).ToList();
            return new BackendRow(name, true, null, devices);
        }
        catch (BackendUnavailableException e)
        {
            return new BackendRow(name, false, e.Reason, []);
        }
    }

    private static string Name(BackendKind kind) => kind switch
    {
        BackendKind.Cpu => "cpu",
        BackendKind.OpenCL => "opencl",
        BackendKind.Cuda => "cuda",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static void WriteTable(TextWriter output, IReadOnlyList<BackendRow> rows)
    {
        output.WriteLine($"{"backend",-8} {"#",2}  {"name",-52} {"memory",10} {"units",6} {"simd",5} {"cc",5}  platform");
        foreach (var backend in rows)
        {
            if (!backend.Available)
            {
                output.WriteLine($"{backend.Backend,-8} {"-",2}  unavailable: {backend.Reason}");
                continue;
            }
            foreach (var d in backend.Devices)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{d.Backend,-8} {d.Ordinal,2}  {Truncate(d.Name, 52),-52} {d.MemoryBytes / (double)(1L << 30),6:F1} GiB {d.ComputeUnits,6} {d.SimdWidth,5} {d.ComputeCapability ?? "-",5}  {d.Platform ?? "-"}"));
        }
    }

    private static string Truncate(string s, int width) => s.Length <= width ? s : s[..(width - 1)] + "…";
}
