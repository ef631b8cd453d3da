namespace MiniTransformer.Compute;

/// <summary>A backend that cannot be used here (no driver, no platform, no device); the message is the one-line reason.</summary>
public sealed class BackendUnavailableException(BackendKind kind, string reason)
    : UserInputException($"{kind} backend unavailable: {reason}")
{
    public BackendKind Kind { get; } = kind;
    public string Reason { get; } = reason;
}
