using GitOpsStatus.Cli;

// Table of contents: everything happens in CliApp, which tests run in-process with their own streams and environment.
return await CliApp.RunAsync(args, CliIo.FromConsole());
