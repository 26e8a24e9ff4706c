// RFC 6238 Appendix B test vectors, shared by the unit tests of the OTP generator and the TOTP parameters.

/** Appendix B: the seed of each hash is an ASCII string of the hash's output length (20, 32, 64 bytes). */
export const RFC6238_SEEDS = {
  SHA1: Buffer.from('12345678901234567890'),
  SHA256: Buffer.from('12345678901234567890123456789012'),
  SHA512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;

/** Appendix B's table: time (s since the epoch), then the 8-digit code for SHA1, SHA256 and SHA512. */
export const RFC6238_VECTORS: Array<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];
