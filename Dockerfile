# syntax=docker/dockerfile:1
# odoo-mcp: a static binary on a minimal non-root image.
#   docker build --build-arg VERSION=$(git describe --tags --always) --build-arg COMMIT=$(git rev-parse HEAD) -t odoo-mcp .

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/odoo-mcp ./cmd/odoo-mcp

# distroless/static: no shell, no package manager, runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/odoo-mcp /usr/local/bin/odoo-mcp
USER nonroot:nonroot
ENV ODOO_MCP_LISTEN=0.0.0.0:8808
EXPOSE 8808
# No shell in the image: the binary checks its own /healthz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/odoo-mcp", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/odoo-mcp"]
CMD ["serve"]
