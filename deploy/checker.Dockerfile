# gitops-status checker image: the Native AOT `gitops-status`, the OpenSSH client and (unless ANSIBLE=false) Ansible,
# so a pipeline step can use `image:` instead of installing the tool. Build from the repository root:
#   docker build -f deploy/checker.Dockerfile -t gitops-status-checker .
#   docker build -f deploy/checker.Dockerfile --build-arg ANSIBLE=false -t gitops-status-checker:slim .
# deploy/test-checker-publish.sh runs this file's marked `dotnet publish` line on the host, runs the binary it makes,
# and checks that the runtime stage's packages exist, so the build is tested where no Docker engine runs.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Native AOT links with clang.
RUN apt-get update && apt-get install -y --no-install-recommends clang lld zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
# publish-command
RUN dotnet publish src/GitOpsStatus.Cli/GitOpsStatus.Cli.csproj --configuration Release --runtime "linux-$(dpkg --print-architecture | sed s/amd64/x64/)" --output /app/publish

FROM debian:bookworm-slim AS runtime
ARG ANSIBLE=true
# libssl3: .NET hashes (SHA-256) and speaks TLS through OpenSSL; no .NET runtime (the binary is native).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 openssh-client $([ "$ANSIBLE" = true ] && echo ansible) \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/publish/gitops-status /usr/local/bin/gitops-status
RUN useradd --create-home --uid 10001 --shell /bin/sh gitops-status
USER gitops-status
WORKDIR /home/gitops-status
CMD ["gitops-status", "--help"]
