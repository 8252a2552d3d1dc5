using System.Diagnostics;
using System.Net.Sockets;

namespace GitOpsStatus.Cli.Tests.Fixtures;

/// <summary>
/// A real OpenSSH server on a free loopback port, with a generated host key and user key in a temp directory.
/// We run as root, so it logs in as root with the key. Killed by PID at the end.
/// </summary>
public sealed class SshServer : IDisposable
{
    private readonly Process process;

    public string Dir { get; }
    public int Port { get; }
    public string User { get; } = Environment.UserName;
    public string UserKey => Path.Join(Dir, "user_ed25519");
    public string HostPublicKey { get; }

    /// <summary>A known_hosts file with this server's real key, in the <c>[127.0.0.1]:port</c> form.</summary>
    public string KnownHosts => Path.Join(Dir, "known_hosts");

    public SshServer()
    {
        Dir = Directory.CreateTempSubdirectory("gitops-status-sshd-").FullName;
        Processes.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Join(Dir, "host_ed25519"));
        Processes.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", UserKey);
        File.Copy(UserKey + ".pub", Path.Join(Dir, "authorized_keys"));
        HostPublicKey = File.ReadAllText(Path.Join(Dir, "host_ed25519.pub")).Trim();
        Directory.CreateDirectory("/run/sshd"); // sshd's privilege separation directory

        // A port can be taken between choosing and binding it: try a few.
        for (var attempt = 0; ; attempt++)
        {
            Port = Processes.FreePort();
            File.WriteAllText(Path.Join(Dir, "sshd_config"), $"""
                Port {Port}
                ListenAddress 127.0.0.1
                HostKey {Dir}/host_ed25519
                PidFile {Dir}/sshd.pid
                AuthorizedKeysFile {Dir}/authorized_keys
                StrictModes no
                UsePAM no
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                MaxStartups 200
                MaxSessions 100
                LogLevel ERROR
                """);
            process = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", Path.Join(Dir, "sshd_config")])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            process.ErrorDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            if (WaitUntilListening())
                break;
            Stop();
            if (attempt == 4)
                throw new InvalidOperationException($"sshd did not start on 127.0.0.1 (last port {Port})");
        }
        WriteKnownHosts(KnownHosts, HostPublicKey);
    }

    /// <summary>A known_hosts line for this server with <paramref name="publicKey"/> (a host key line: type and base64).</summary>
    public void WriteKnownHosts(string path, string publicKey)
    {
        var parts = publicKey.Split(' ');
        File.WriteAllText(path, $"[127.0.0.1]:{Port} {parts[0]} {parts[1]}\n");
    }

    public string Url(string path) => $"ssh://{User}@127.0.0.1:{Port}{path}";

    private bool WaitUntilListening()
    {
        for (var i = 0; i < 100; i++)
        {
            if (process.HasExited)
                return false;
            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", Port);
                return true;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }
        return false;
    }

    private void Stop()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(5000);
        }
        process.Dispose();
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
