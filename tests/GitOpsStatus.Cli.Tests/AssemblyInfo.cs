// The checker's tests run against real Linux components (sshd, coreutils, file modes and owners).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
