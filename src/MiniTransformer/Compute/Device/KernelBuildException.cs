namespace MiniTransformer.Compute.Device;

/// <summary>
/// A kernel source failed to compile on a device. Not a user mistake: the message carries the compiler's full
/// build log (file names and line numbers refer to kernels/*.cl), so the failing line is visible in the error.
/// </summary>
public sealed class KernelBuildException(BackendKind backend, string file, string log)
    : Exception($"{backend}: building kernels/{file} failed:{Environment.NewLine}{log.TrimEnd()}")
{
    public BackendKind Backend { get; } = backend;
    public string File { get; } = file;
    public string BuildLog { get; } = log;
}
