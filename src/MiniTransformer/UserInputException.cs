namespace MiniTransformer;

/// <summary>
/// A mistake in what the user asked for (impossible parameters, malformed or missing files, an
/// unavailable backend). The CLI prints <see cref="Exception.Message"/> as one line and exits with code 2;
/// anything else is a bug and keeps its stack trace.
/// </summary>
public class UserInputException(string message, Exception? inner = null) : Exception(message, inner);
