// How the file pages write sizes, times and names.
const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function formatSize(n) {
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return (i === 0 ? String(n) : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

export const formatTime = (t) => new Date(t).toLocaleString();
export const nameOf = (path) => path.slice(path.lastIndexOf('/') + 1);
export const parentOf = (path) => path.slice(0, path.lastIndexOf('/')) || '/';
