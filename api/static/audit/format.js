// Exact numbers: wei are decimal strings handled as BigInt, shares are integer bps.

const WEI_PER_ETHER = 10n ** 18n;

/** Group the digits of a non-negative integer text in threes ("2400000" → "2,400,000"). */
function grouped(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Wei (a decimal string) as ether, exact: "226080000000000000000" → "226.08". */
export function ether(wei) {
  const value = BigInt(wei);
  const sign = value < 0n ? "-" : "";
  const magnitude = value < 0n ? -value : value;
  const whole = grouped((magnitude / WEI_PER_ETHER).toString());
  const fraction = (magnitude % WEI_PER_ETHER).toString().padStart(18, "0").replace(/0+$/, "");
  return sign + whole + (fraction ? `.${fraction}` : "");
}

/** Basis points as an integer with its unit ("5284 bps"). */
export function bps(value) {
  return `${value} bps`;
}

/** A signed difference in bps ("+120", "−35", "0"). */
export function delta(value) {
  if (value > 0) return `+${value}`;
  if (value < 0) return `\u2212${-value}`;
  return "0";
}

/** An ISO 8601 time as "2027-05-27 19:12 UTC". */
export function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A day as "2027-05-27". */
export function day(iso) {
  return iso ? new Date(iso).toISOString().slice(0, 10) : "—";
}

/** A long hex value shortened for a table ("0x2B5A…6cF"); the full value goes in a title. */
export function short(hex, keep = 6) {
  const text = String(hex ?? "");
  if (text.length <= 2 * keep + 3) return text;
  const head = keep + (text.startsWith("0x") ? 2 : 0);
  return `${text.slice(0, head)}…${text.slice(-keep)}`;
}

/** Seconds as days ("604800" → "7 days"). */
export function days(seconds) {
  const value = Number(seconds) / 86400;
  return `${Number.isInteger(value) ? value : value.toFixed(2)} day${value === 1 ? "" : "s"}`;
}
