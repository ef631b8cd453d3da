using MiniTransformer.Compute.Cpu;
using MiniTransformer.Compute.Cuda;
using MiniTransformer.Compute.OpenCL;

namespace MiniTransformer.Compute;

/// <summary>Backend selection: <c>--backend cpu|opencl|cuda</c> on the command line, or the MT_BACKEND variable.</summary>
public static class Backends
{
    public const string EnvironmentVariable = "MT_BACKEND";

    /// <summary>Creates a backend, or throws <see cref="BackendUnavailableException"/> with a one-line reason.</summary>
    public static ComputeBackend Create(BackendKind kind) => kind switch
    {
        BackendKind.Cpu => new CpuBackend(),
        BackendKind.OpenCL => new OpenClBackend(),
        BackendKind.Cuda => new CudaBackend(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>"cpu", "opencl" or "cuda" (any case); anything else is a user error.</summary>
    public static BackendKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cpu" => BackendKind.Cpu,
        "opencl" => BackendKind.OpenCL,
        "cuda" => BackendKind.Cuda,
        _ => throw new UserInputException($"unknown backend '{name}': expected cpu, opencl or cuda"),
    };

    /// <summary>The backend MT_BACKEND names, or the CPU backend when it is unset or empty.</summary>
    public static BackendKind KindFromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } name ? Parse(name) : BackendKind.Cpu;

    /// <summary>Creates the backend MT_BACKEND names (default cpu).</summary>
    public static ComputeBackend FromEnvironment() => Create(KindFromEnvironment());
}
