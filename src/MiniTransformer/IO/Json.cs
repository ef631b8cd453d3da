using System.Text.Json;
using System.Text.Json.Serialization;

namespace MiniTransformer.IO;

/// <summary>
/// The one JSON convention of the project (sidecars, run records, --json output): snake_case names, indented,
/// enums as lower-case strings — what a Python user expects from json.load.
/// </summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Reads a JSON file, turning a missing or malformed file into a one-line <see cref="UserInputException"/>.</summary>
    public static T ReadFile<T>(string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"file '{path}' does not exist");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
                   ?? throw new UserInputException($"'{path}' holds no JSON value");
        }
        catch (JsonException e)
        {
            throw new UserInputException($"'{path}' is not valid JSON for {typeof(T).Name}: {e.Message.Split('\n')[0]}");
        }
    }
}
