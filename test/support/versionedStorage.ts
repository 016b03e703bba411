import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BlobServiceClient } from "@azure/storage-blob";
import type { Refusal } from "./storageRefusalProxy";

/** A previous version the stand-in keeps (what Azure keeps after a delete or an overwrite on a versioned account). */
interface StoredVersion {
  readonly container: string;
  readonly name: string;
  readonly versionId: string;
  readonly body: Buffer;
  readonly contentType: string;
}

export interface VersionedStorage {
  /** An Azurite connection string whose blob endpoint is this stand-in. */
  readonly connectionString: string;
  /** Requests seen, in order: method and path with query. */
  readonly requests: { method: string; url: string }[];
  /** Previous versions the stand-in holds now. */
  versions(container?: string): StoredVersion[];
  /** Adds a previous version of a blob (as if it had been overwritten before). */
  addPreviousVersion(container: string, name: string, body: Buffer, contentType?: string): string;
  close(): Promise<void>;
}

export interface VersionedStorageOptions {
  /** Answers a delete of a previous version with a refusal (as Storage does without deleteBlobVersion, or under a hold). */
  readonly refuseVersionDelete?: (version: StoredVersion) => Refusal | undefined;
  /** The account's blob soft-delete retention, as Get Blob Service Properties reports it. */
  readonly softDeleteDays?: number;
}

/**
 * Blob versioning in front of Azurite (which has none), as Blob Storage documents it, on real HTTP:
 * - every current blob has a version id: List Blobs with `include=versions` shows `<VersionId>` and
 *   `<IsCurrentVersion>true</IsCurrentVersion>`, plus each previous version (`<VersionId>`, no IsCurrentVersion);
 * - Delete Blob without `versionid` deletes the current version, which becomes a previous version (its bytes kept);
 * - Delete Blob with `versionid=<id>` deletes that previous version (202), 404 BlobNotFound when there is none;
 * - Get Blob with `versionid=<id>` reads a previous version;
 * - Get Blob Service Properties reports `softDeleteDays` as the DeleteRetentionPolicy.
 * Everything else is forwarded to Azurite as it is (Shared Key signatures do not cover the Host header). Previous
 * versions are added to the first listing page only (tests list small prefixes).
 */
export async function startVersionedStorage(
  azuriteConnectionString: string,
  options: VersionedStorageOptions = {},
): Promise<VersionedStorage> {
  const blobEndpoint = /BlobEndpoint=([^;]+)/.exec(azuriteConnectionString)?.[1];
  if (!blobEndpoint) throw new Error("the Azurite connection string has no BlobEndpoint");
  const target = new URL(blobEndpoint);
  const azurite = BlobServiceClient.fromConnectionString(azuriteConnectionString);
  const requests: { method: string; url: string }[] = [];
  const previous: StoredVersion[] = [];
  const current = new Map<string, string>();
  let clock = Date.parse("2026-01-01T00:00:00.000Z");
  const newVersionId = (): string => `${new Date((clock += 1_000)).toISOString().slice(0, -1)}0000Z`;
  const key = (container: string, name: string): string => `${container}/${name}`;
  const currentId = (container: string, name: string): string => {
    const id = current.get(key(container, name)) ?? newVersionId();
    current.set(key(container, name), id);
    return id;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    requests.push({ method: req.method ?? "", url: req.url ?? "" });
    const url = new URL(req.url ?? "/", "http://stand-in");
    const parts = url.pathname.split("/").slice(2); // ["", account, container, ...name]
    const container = decodeURIComponent(parts[0] ?? "");
    const name = parts.slice(1).map(decodeURIComponent).join("/");
    const versionId = url.searchParams.get("versionid");
    if (versionId !== null && name !== "") {
      req.resume();
      const at = previous.findIndex(
        (version) => version.container === container && version.name === name && version.versionId === versionId,
      );
      const version = previous[at];
      if (!version) return storageError(res, 404, "BlobNotFound", "The specified blob does not exist.");
      if (req.method === "DELETE") {
        const refusal = options.refuseVersionDelete?.(version);
        if (refusal) return storageError(res, refusal.status, refusal.code, refusal.message);
        previous.splice(at, 1);
        res.writeHead(202, {
          "x-ms-request-id": "versioned-stand-in",
          "x-ms-version": "2025-05-05",
          "x-ms-delete-type-permanent": "false",
          "content-length": 0,
        });
        return void res.end();
      }
      res.writeHead(200, {
        "content-length": version.body.length,
        "content-type": version.contentType,
        "x-ms-version-id": version.versionId,
        "x-ms-blob-type": "BlockBlob",
        "last-modified": new Date().toUTCString(),
        etag: `"0x${version.versionId.replace(/\D/g, "").slice(0, 15)}"`,
        "x-ms-request-id": "versioned-stand-in",
      });
      return void res.end(req.method === "HEAD" ? undefined : version.body);
    }
    if (req.method === "DELETE" && name !== "") {
      // The current version becomes a previous version: keep its bytes before Azurite deletes them.
      const blob = azurite.getContainerClient(container).getBlobClient(name);
      const kept = await blob
        .downloadToBuffer()
        .then(async (body) => ({
          body,
          contentType: (await blob.getProperties()).contentType ?? "application/octet-stream",
        }))
        .catch(() => undefined);
      const answer = await forward(req, target);
      if (answer.status === 202 && kept) {
        previous.push({ container, name, versionId: currentId(container, name), ...kept });
        current.delete(key(container, name));
      }
      return send(res, answer);
    }
    if (
      req.method === "GET" &&
      url.searchParams.get("comp") === "list" &&
      url.searchParams.get("restype") === "container" &&
      /versions/.test(url.searchParams.get("include") ?? "")
    ) {
      const answer = await forward(req, target);
      let xml = answer.body.toString("utf8");
      xml = xml.replace(/<Blob><Name>([^<]*)<\/Name>/g, (_, escaped: string) => {
        return `<Blob><Name>${escaped}</Name><VersionId>${currentId(container, unescapeXml(escaped))}</VersionId><IsCurrentVersion>true</IsCurrentVersion>`;
      });
      if (!url.searchParams.get("marker")) {
        const prefix = url.searchParams.get("prefix") ?? "";
        const extra = previous
          .filter((version) => version.container === container && version.name.startsWith(prefix))
          .map(
            (version) =>
              `<Blob><Name>${escapeXml(version.name)}</Name><VersionId>${version.versionId}</VersionId><Properties><Last-Modified>${new Date().toUTCString()}</Last-Modified><Etag>0x1</Etag><Content-Length>${version.body.length}</Content-Length><Content-Type>${escapeXml(version.contentType)}</Content-Type><BlobType>BlockBlob</BlobType></Properties><Metadata /></Blob>`,
          )
          .join("");
        xml = /<Blobs\s*\/>/.test(xml)
          ? xml.replace(/<Blobs\s*\/>/, `<Blobs>${extra}</Blobs>`)
          : xml.replace("</Blobs>", `${extra}</Blobs>`);
      }
      return send(res, { ...answer, body: Buffer.from(xml, "utf8") });
    }
    if (
      req.method === "GET" &&
      url.searchParams.get("restype") === "service" &&
      url.searchParams.get("comp") === "properties" &&
      options.softDeleteDays !== undefined
    ) {
      const answer = await forward(req, target);
      const policy = `<DeleteRetentionPolicy><Enabled>true</Enabled><Days>${options.softDeleteDays}</Days></DeleteRetentionPolicy>`;
      let xml = answer.body.toString("utf8").replace(/<DeleteRetentionPolicy>[\s\S]*?<\/DeleteRetentionPolicy>/, "");
      xml = xml.replace("</StorageServiceProperties>", `${policy}</StorageServiceProperties>`);
      return send(res, { ...answer, body: Buffer.from(xml, "utf8") });
    }
    const answer = await forward(req, target);
    return send(res, answer);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    connectionString: azuriteConnectionString.replace(blobEndpoint, `http://127.0.0.1:${port}${target.pathname}`),
    requests,
    versions: (container) => previous.filter((version) => container === undefined || version.container === container),
    addPreviousVersion(container, name, body, contentType = "application/octet-stream") {
      const versionId = newVersionId();
      previous.push({ container, name, versionId, body, contentType });
      return versionId;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
}

/** Sends the request on to Azurite and reads its whole answer (test-sized bodies). */
function forward(req: IncomingMessage, target: URL): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host };
    delete headers["accept-encoding"];
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        const pieces: Buffer[] = [];
        answer.on("data", (piece: Buffer) => pieces.push(piece));
        answer.on("end", () =>
          resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(pieces) }),
        );
        answer.on("error", reject);
      },
    );
    upstream.on("error", reject);
    req.pipe(upstream);
  });
}

function send(res: ServerResponse, answer: Answer): void {
  const headers = { ...answer.headers, "content-length": String(answer.body.length) };
  delete headers["transfer-encoding"];
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

function storageError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, {
    "content-type": "application/xml",
    "x-ms-error-code": code,
    "x-ms-request-id": "versioned-stand-in",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
