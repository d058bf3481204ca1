// A finding that the old version shows too, measured on the same run before `up`: reported as a
// behaviour of that Kong version, never as a failure of the upgrade. Checks write one evidence line
// per such finding, starting with PRE_EXISTING, so every report format can show it also when the
// check passes (junit.xml gives a passing case no other text).
export const PRE_EXISTING = "pre-existing in ";

export const isPreExistingNote = (line: string): boolean => line.startsWith(PRE_EXISTING);
