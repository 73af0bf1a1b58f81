// Command-line options shared by the staging scripts: `--name value` pairs, all required
// unless given a default.
export function parseOptions(argv, { required, optional = {} }) {
  const options = { ...optional };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, "");
    if (!argv[i]?.startsWith("--") || argv[i + 1] === undefined) {
      usage(`expected --name value pairs, got: ${argv.slice(i).join(" ")}`);
    }
    if (!required.includes(name) && !(name in optional)) usage(`unknown option --${name}`);
    options[name] = argv[i + 1];
  }
  const missing = required.filter((name) => options[name] === undefined);
  if (missing.length > 0) usage(`missing ${missing.map((name) => `--${name}`).join(", ")}`);
  return options;

  function usage(problem) {
    const all = [...required, ...Object.keys(optional).map((name) => `[${name}]`)];
    console.error(`${problem}\nOptions: ${all.map((name) => `--${name} VALUE`).join(" ")}`);
    process.exit(2);
  }
}

// npm provenance requires package.json's repository to be the GitHub repository the workflow
// runs in, so it is stamped at release time (from GITHUB_REPOSITORY) rather than written here.
export function repositoryFields(repository) {
  if (!repository) return {};
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new Error(`--repository must be owner/name, got ${repository}`);
  }
  return {
    homepage: `https://github.com/${repository}#readme`,
    repository: { type: "git", url: `git+https://github.com/${repository}.git` },
  };
}
