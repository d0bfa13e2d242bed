/**
 * The words of every refusal of a symbolic link in the workspace (host-files' reads and writes, renames):
 * `linkPath` is the link (the whole path, or a folder on the way to `shownPath`), `target` what it
 * points to, when known.
 */
export function symbolicLinkRefusal(shownPath: string, linkPath: string, target: string | null): string {
  const where = linkPath === shownPath ? shownPath : `${linkPath} (on the way to ${shownPath})`;
  return `${where} is a symbolic link${target === null ? '' : ` to ${target}`}; Tandem never follows links in the workspace, as one could lead outside the workspace. Use the path it points to instead`;
}
