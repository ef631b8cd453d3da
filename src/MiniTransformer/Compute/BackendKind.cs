namespace MiniTransformer.Compute;

/// <summary>The device backends the engine can run on. <see cref="Cpu"/> is the default and the oracle.</summary>
public enum BackendKind { Cpu, OpenCL, Cuda }
