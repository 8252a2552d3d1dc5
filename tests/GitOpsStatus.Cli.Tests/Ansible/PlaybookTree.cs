using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests.Ansible;

/// <summary>
/// A small rsyslog playbook (copy, template, lineinfile on three files) in a temp tree, with helpers to deploy it for real and to
/// write inventories. Each host's files live under its own <c>root</c> variable, so hosts are plain directories.
/// </summary>
public sealed class PlaybookTree : IDisposable
{
    public TempTree Tree { get; } = new();
    public string Playbook { get; }

    public PlaybookTree()
    {
        Tree.Write("files/rsyslog.conf", "module(load=\"imuxsock\")\n*.* @@logs.example:514\n");
        Tree.Write("templates/30-lab.conf.j2", "# managed by ansible\n*.info @{{ log_server }}\n");
        Playbook = Tree.Write("site.yml", """
            - hosts: all
              gather_facts: false
              vars:
                log_server: logs.example
              tasks:
                - name: rsyslog.conf
                  ansible.builtin.copy: { src: files/rsyslog.conf, dest: "{{ root }}/etc/rsyslog.conf" }
                - name: lab forwarding
                  ansible.builtin.template: { src: templates/30-lab.conf.j2, dest: "{{ root }}/etc/rsyslog.d/30-lab.conf" }
                - name: daemon options
                  ansible.builtin.lineinfile: { path: "{{ root }}/etc/default/rsyslog", line: "RSYSLOGD_OPTIONS=\"-iNONE\"", create: true }
            """);
    }

    /// <summary>A host directory with the rsyslog.d directory the template needs.</summary>
    public string Host(string name)
    {
        var root = Tree.Dir("hosts/" + name);
        Directory.CreateDirectory(Path.Join(root, "etc/rsyslog.d"));
        Directory.CreateDirectory(Path.Join(root, "etc/default"));
        return root;
    }

    public string Inventory(params string[] lines) => Tree.Write("inventory.ini", "[lab]\n" + string.Join('\n', lines) + "\n");

    public static string Local(string host, string root) => $"{host} ansible_connection=local ansible_python_interpreter=/usr/bin/python3 root={root}";

    /// <summary>Applies the playbook for real (not check mode): the hosts then match git.</summary>
    public void Deploy(string inventory) => Processes.Run("ansible-playbook", "-i", inventory, Playbook);

    public void Dispose() => Tree.Dispose();
}
