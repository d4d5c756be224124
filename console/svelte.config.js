import adapter from '@sveltejs/adapter-static';

/** An SPA: the API process serves build/ and answers every client route with index.html. */
/** @type {import('@sveltejs/kit').Config} */
const config = {
  kit: {
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
  },
};

export default config;
