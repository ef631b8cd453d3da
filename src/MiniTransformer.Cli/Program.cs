using MiniTransformer.Cli;

return CliApp.Run(args);
