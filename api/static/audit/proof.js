// The record's proofs, checked here with Web Crypto (docs/record.md, RFC 9162):
//
//   entry hash = SHA-256(RFC 8785 form of {actor, kind, payload (= payload_jcs),
//                prev_hash, project_id, recorded_at, seq, signature,
//                version: "ipledger-journal/1"})
//   leaf hash  = SHA-256(0x00 || entry hash)
//   node hash  = SHA-256(0x01 || left || right)
//
// and the signed tree head: 70 bytes (the label "ipledger/tree-head/v1\0", the size and
// the time as big-endian uint64, the root) signed with Ed25519 by the ledger's record key.

const JOURNAL_VERSION = "ipledger-journal/1";
const HEAD_LABEL = "ipledger/tree-head/v1\u0000";
const encoder = new TextEncoder();

export function hexToBytes(hex) {
  if (typeof hex !== "string" || !/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`not hex: ${hex}`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** SHA-256 with Web Crypto (only in a secure context: https, or http on 127.0.0.1/localhost). */
export async function sha256(bytes) {
  if (!globalThis.crypto?.subtle) {
    throw new Error("Web Crypto is not available: open the page over https or on 127.0.0.1");
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/**
 * RFC 8785 (JCS) text of a JSON value: object members sorted by their names' UTF-16 code
 * units, no whitespace, strings and numbers as ECMAScript's JSON.stringify writes them.
 */
export function canonical(value) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("JCS has no NaN or Infinity");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const names = Object.keys(value).sort();
  return `{${names.map((name) => `${JSON.stringify(name)}:${canonical(value[name])}`).join(",")}}`;
}

/** The entry's hash, recomputed from the fields it covers (not taken from `entry_hash`). */
export async function entryHash(entry) {
  const material = {
    actor: entry.actor,
    kind: entry.kind,
    payload: entry.payload_jcs,
    prev_hash: entry.prev_hash,
    project_id: entry.project_id,
    recorded_at: entry.recorded_at,
    seq: entry.seq,
    signature: entry.signature,
    version: JOURNAL_VERSION,
  };
  return sha256(encoder.encode(canonical(material)));
}

export async function leafHash(entryHashBytes) {
  return sha256(concat(Uint8Array.of(0), entryHashBytes));
}

export async function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/**
 * The root an inclusion proof leads to (RFC 9162 2.1.3.2), or a reason it cannot:
 * {root} or {reason}. Sizes stay far below 2^53, so plain arithmetic is exact.
 */
export async function rootFromProof(index, treeSize, leaf, proof) {
  if (!(treeSize >= 1)) return { reason: "size_invalid" };
  if (!(index >= 0 && index < treeSize)) return { reason: "index_out_of_range" };
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const node of proof) {
    if (sn === 0) return { reason: "proof_too_long" };
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(node, r);
      if (fn % 2 === 0) {
        while (!(fn % 2 === 1 || fn === 0)) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, node);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return { reason: "proof_too_short" };
  return { root: r };
}

/**
 * Check one entry's inclusion against a head the page holds: the entry hash recomputed
 * from the entry's fields, its leaf, the audit path walked up to a root, that root
 * compared with the head's. Returns {ok, steps: [{label, ok, detail}], reason}.
 */
export async function checkInclusion(answer, head) {
  const steps = [];
  const step = (label, ok, detail) => {
    steps.push({ label, ok, detail });
    return ok;
  };
  const { entry } = answer;
  const recomputed = await entryHash(entry);
  const stored = entry.entry_hash.toLowerCase();
  const entryOk = step(
    "entry hash recomputed from the entry's fields",
    bytesToHex(recomputed) === stored,
    bytesToHex(recomputed) === stored
      ? `matches the stored ${stored}`
      : `${bytesToHex(recomputed)} differs from the stored ${stored}`,
  );
  const leaf = await leafHash(recomputed);
  step("leaf hash SHA-256(0x00 ‖ entry hash)", true, bytesToHex(leaf));
  if (answer.tree_size !== head.tree_size || answer.head.root_hash !== head.root_hash) {
    step(
      "proof made for the head the page holds",
      false,
      `the proof is for size ${answer.tree_size}, root ${answer.head.root_hash}; ` +
        `the page holds size ${head.tree_size}, root ${head.root_hash}`,
    );
    return { ok: false, steps, reason: "other_head" };
  }
  const proof = answer.proof.map(hexToBytes);
  const walked = await rootFromProof(answer.leaf_index, head.tree_size, leaf, proof);
  if (walked.reason) {
    step(`audit path of ${proof.length} hashes`, false, walked.reason);
    return { ok: false, steps, reason: walked.reason };
  }
  const rootOk = equal(walked.root, hexToBytes(head.root_hash));
  step(
    `audit path of ${proof.length} hashes walked to the root`,
    rootOk,
    rootOk
      ? `root ${bytesToHex(walked.root)} = the signed head's root (size ${head.tree_size})`
      : `root ${bytesToHex(walked.root)} ≠ the signed head's ${head.root_hash}`,
  );
  const ok = entryOk && rootOk;
  return { ok, steps, reason: ok ? null : !entryOk ? "entry_edited" : "root_mismatch" };
}

function uint64(bytes, at) {
  let value = 0n;
  for (let i = 0; i < 8; i += 1) value = (value << 8n) | BigInt(bytes[at + i]);
  return value;
}

/**
 * Check a signed tree head: its 70 encoded bytes say the size, time and root it claims,
 * and the Ed25519 signature over them verifies with the record key.
 * Returns {encodingOk, signatureOk (true, false or null when the browser has no Ed25519)}.
 */
export async function checkHead(head) {
  const encoded = hexToBytes(head.encoded);
  const label = encoder.encode(HEAD_LABEL);
  const encodingOk =
    encoded.length === 70 &&
    equal(encoded.slice(0, 22), label) &&
    uint64(encoded, 22) === BigInt(head.tree_size) &&
    uint64(encoded, 30) === BigInt(head.timestamp_ms) &&
    bytesToHex(encoded.slice(38)) === head.root_hash.toLowerCase();
  let signatureOk = null;
  try {
    const key = await crypto.subtle.importKey("raw", hexToBytes(head.public_key), { name: "Ed25519" }, false, [
      "verify",
    ]);
    signatureOk = await crypto.subtle.verify({ name: "Ed25519" }, key, hexToBytes(head.signature), encoded);
  } catch (error) {
    if (!(error instanceof DOMException && error.name === "NotSupportedError")) signatureOk = false;
  }
  return { encodingOk, signatureOk };
}
