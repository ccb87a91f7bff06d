// A session bus configuration without service directories: nothing gets D-Bus-activated. Without
// it, a client asking for org.freedesktop.secrets after our keyring stopped would start a fresh
// gnome-keyring-daemon on the user's real keyring directory, and Chromium would start the
// accessibility bus.
import { writeFileSync } from 'node:fs';

const CONFIG = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;

export function writeSessionBusConfig(file: string): string {
  writeFileSync(file, CONFIG);
  return file;
}
