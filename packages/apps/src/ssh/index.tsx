/** The SSH card of the Apps panel: how to reach this notebook with ssh. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export function SshSection(props: {}): JSX.Element | null {
  void props;
  return null;
}
