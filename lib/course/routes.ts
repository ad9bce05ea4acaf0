// The course's routes as one table of cases: what a client sends (host,
// path, scheme) and what must answer (the backend Service, the path it must
// receive, text of its answer). The same table is checked by the course
// suite, by grading (hosts renamed per submission) and by every edge that
// serves the course's routes.
import type { RouteCase } from '../checks/routes.ts';

/** The title of the blog list page (apps/myblog/blog/templates/blog/index.html). */
export const BLOG_LIST = '我的博客列表';

export interface CourseRoute extends RouteCase {
  /** the lab that defines it (manifests/NN-name) */
  lab: string;
  /** the namespace of its Ingress and backend: the course's luffy or default */
  namespace: 'luffy' | 'default';
  /** what the course says of it, as a check title */
  title: string;
  /** where an edge is known to answer otherwise (a difference of the migration, documented in manifests/README.md) */
  onEdge?: Partial<Record<'Ingress' | 'Gateway', Partial<RouteCase>>>;
}

/** The positive cases the negative ones lean on (RouteCase.whenRouted). */
const MYBLOG_HTTP: RouteCase = { host: 'myblog.luffy.com', path: '/blog/index/', scheme: 'http', backend: 'myblog', received: '/blog/index/', contains: BLOG_LIST };
const DETAILS: RouteCase = { host: 'bookstore.luffy.com', path: '/details/0', scheme: 'http', backend: 'details', received: '/details/0', contains: '"author"' };
const REWRITE: RouteCase = { host: 'bookstore.luffy.com', path: '/api/reviews/7', scheme: 'http', backend: 'reviews', received: '/reviews/7', contains: '"reviews"' };

export const COURSE_ROUTES: CourseRoute[] = [
  {
    lab: '40-ingress-myblog',
    namespace: 'luffy',
    title: 'Host myblog.luffy.com serves the blog list over HTTP from myblog',
    ...MYBLOG_HTTP,
  },
  {
    lab: '40-ingress-myblog',
    namespace: 'luffy',
    title: 'SNI myblog.luffy.com gets the certificate of tls-myblog, and HTTPS serves the blog list',
    host: 'myblog.luffy.com',
    path: '/blog/index/',
    scheme: 'https',
    backend: 'myblog',
    received: '/blog/index/',
    contains: BLOG_LIST,
  },
  {
    lab: '50-bookstore',
    namespace: 'default',
    title: 'bookstore.luffy.com/details/0 reaches details with the path unchanged',
    ...DETAILS,
  },
  {
    lab: '50-bookstore',
    namespace: 'default',
    title: 'bookstore.luffy.com/reviews/0 reaches reviews with the path unchanged',
    host: 'bookstore.luffy.com',
    path: '/reviews/0',
    scheme: 'http',
    backend: 'reviews',
    received: '/reviews/0',
    contains: '"reviews"',
  },
  {
    lab: '50-bookstore',
    namespace: 'default',
    title: 'the rewrite sends bookstore.luffy.com/api/reviews/7 to reviews as /reviews/7',
    ...REWRITE,
  },
  {
    lab: '50-bookstore',
    namespace: 'default',
    title: 'the rewrite keeps deeper segments: /api/reviews/0/extra reaches reviews as /reviews/0/extra (which it answers 404)',
    host: 'bookstore.luffy.com',
    path: '/api/reviews/0/extra',
    scheme: 'http',
    backend: 'reviews',
    status: 404,
    received: '/reviews/0/extra',
  },
  {
    lab: '50-bookstore',
    namespace: 'default',
    title: 'a path no rule names, /api/details/0, reaches no backend: 404 from the edge itself, where /details/0 is routed',
    host: 'bookstore.luffy.com',
    path: '/api/details/0',
    scheme: 'http',
    status: 404,
    whenRouted: DETAILS,
  },
  {
    lab: '50-bookstore',
    namespace: 'default',
    title: '/api/reviews with nothing after it: the Ingress regex /api/reviews/(.*) does not match it, the Gateway prefix /api/reviews does (a known difference)',
    host: 'bookstore.luffy.com',
    path: '/api/reviews',
    scheme: 'http',
    status: 404,
    whenRouted: REWRITE,
    onEdge: { Gateway: { backend: 'reviews', received: '/reviews' } },
  },
  {
    lab: '40-ingress-myblog',
    namespace: 'luffy',
    title: 'a host no route names, nothing.luffy.com, reaches no backend: 404 from the edge itself, where myblog.luffy.com is routed',
    host: 'nothing.luffy.com',
    path: '/blog/index/',
    scheme: 'http',
    status: 404,
    whenRouted: MYBLOG_HTTP,
  },
];
