using System.CommandLine;

namespace MiniTransformer.Cli.Commands;

/// <summary>
/// `lang`: the language ladder's data path — train a byte-level BPE tokenizer on a text corpus, encode/decode token
/// files, train generators (bigram; transformer) on them, and sample generated corpora whose sidecar carries the
/// Monte-Carlo entropy floor.
/// </summary>
public static class LangCommands
{
    public static Command Create()
    {
        var tokenizer = new Command("tokenizer", "Byte-level BPE tokenizers");
        tokenizer.Subcommands.Add(LangTokenizerCommands.Train());
        var generators = new Command("generators", "Generator models of token sequences (bigram table; transformer)");
        generators.Subcommands.Add(LangGeneratorsCommand.Train());
        return new Command("lang", "Language data: tokenizer, encoding, generators and sampling (the language ladder)")
        {
            tokenizer,
            LangTokenizerCommands.Encode(),
            LangTokenizerCommands.Decode(),
            generators,
            LangSampleCommand.Create(),
        };
    }

    /// <summary>Repeatable path option: `--input a.txt b.txt` or `--input a.txt --input dir/`.</summary>
    public static Option<string[]> Inputs() => new("--input")
    {
        Description = "Corpus text files or directories (every file below, in ordinal path order); one file = one document",
        Required = true,
        AllowMultipleArgumentsPerToken = true,
    };
}
