import { UnsupportedError } from "../errors.js";
export function funcInfoCommand(_o: object): string { throw new UnsupportedError("pending"); }
export function encodeCommand(_o: object): string { throw new UnsupportedError("pending"); }
