/**
 * A throw-away certificate authority and a server certificate it signs for one DNS name, made with
 * the openssl CLI in a temporary directory: what a TLS test needs to verify for real, by name.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificates {
  /** The CA's certificate (PEM): what the client trusts. */
  ca: string;
  /** The server's key and certificate (PEM), for `name` only. */
  key: string;
  cert: string;
}

export function makeCertificates(name: string): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "tls-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  try {
    const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(
      "req",
      "-x509",
      ...key,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-subj",
      "/CN=throw-away test CA",
      "-days",
      "2",
    );
    openssl("req", ...key, "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=${name}`);
    writeFileSync(join(dir, "san.ext"), `subjectAltName=DNS:${name}\n`);
    openssl(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-extfile",
      "san.ext",
    );
    const read = (file: string) => readFileSync(join(dir, file), "utf8");
    return { ca: read("ca.pem"), key: read("server.key"), cert: read("server.pem") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
