// natural ships no typings for its deep module paths; only the Porter stemmer module is imported (see
// docs/model-format.md §4: the package root prints dotenv advertising on stdout).
declare module 'natural/lib/natural/stemmers/porter_stemmer.js' {
  const porterStemmer: { stem(token: string): string };
  export default porterStemmer;
}
