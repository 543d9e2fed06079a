// An ES module importing a package that is not there.
import 'no-such-package-for-thaw';

export const handler = async () => 'never';
