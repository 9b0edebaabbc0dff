// The parameter sets an SDP announces for the fragmenter to start with, before the stream sends its own.

import type { ParamSets, RtpVideoCodec } from './fragmenter.js';
import { decodeSpropParameterSets } from './sdp.js';

/** The parameter sets an SDP announces (RFC 6184 §8.1 sprop-parameter-sets; RFC 7798 §7.1 sprop-vps/-sps/-pps). */
export function sdpParamSets(codec: RtpVideoCodec, fmtp: Record<string, string>): ParamSets {
  const sets: ParamSets = { vps: [], sps: [], pps: [] };
  if (codec === 'h265') {
    sets.vps = decodeSpropParameterSets(fmtp['sprop-vps'] ?? '');
    sets.sps = decodeSpropParameterSets(fmtp['sprop-sps'] ?? '');
    sets.pps = decodeSpropParameterSets(fmtp['sprop-pps'] ?? '');
    return sets;
  }
  for (const nal of decodeSpropParameterSets(fmtp['sprop-parameter-sets'] ?? '')) {
    const type = (nal[0] ?? 0) & 0x1f;
    if (type === 7) sets.sps.push(nal);
    else if (type === 8) sets.pps.push(nal);
  }
  return sets;
}
