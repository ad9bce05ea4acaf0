// The lab board's words, in the course's two languages: each lab as the
// course names its chapter, each check row's title and hint, and the causes
// the checks give, in Chinese as the course words them (its terms: 命名空间,
// 副本, 就绪, 路由, 证书...; Kubernetes kinds keep their English names, as
// the course writes them). The English is the checks' own words: a row's
// English title is its test title, its English cause the check's message.
// unit/board-words.test.ts holds that every row the live run registers,
// with or without --probe-pod, has a Chinese title and a hint in both.

export type Lang = 'zh' | 'en';
export interface Words {
  zh: string;
  en: string;
}

/** The colon after a label, as each language writes it. */
export const colon = (lang: Lang) => (lang === 'zh' ? '：' : ': ');

/** The language of a locale string (LANG, LC_ALL, a browser's Accept-Language): Chinese for zh*, else English. */
export function langOf(locale: string | undefined): Lang {
  return /^zh/i.test(locale ?? '') ? 'zh' : 'en';
}

/** The course's labs in its order, with the chapter of the course a failing row points to. */
export const LABS: { id: string; title: Words; chapter: Words }[] = [
  { id: 'cluster', title: { zh: '集群', en: 'The cluster' }, chapter: { zh: '《kube-proxy》（ipvs 模式）与《Kubernetes服务访问之Ingress》的“安装”一节', en: 'the course\'s "kube-proxy" chapter (ipvs mode) and "Ingress: 安装" (installing the controller)' } },
  { id: '01-namespace', title: { zh: '创建 namespace', en: 'The namespace' }, chapter: { zh: '《Pod定义》：创建namespace', en: 'the course\'s "Pod定义" chapter: creating the namespace' } },
  { id: '10-config', title: { zh: 'ConfigMap 与 Secret', en: 'ConfigMap and Secret' }, chapter: { zh: '《myblog 改造及优化》：解决环境变量中敏感信息带来的安全隐患', en: 'the course\'s "myblog 改造及优化" chapter: moving the settings and passwords into a ConfigMap and a Secret' } },
  { id: '20-deployments', title: { zh: 'Deployment 改造', en: 'Deployments' }, chapter: { zh: '《Deployment改造》与《滚动更新》', en: 'the course\'s "Deployment改造" and "滚动更新" (rolling update) chapters' } },
  { id: '30-services', title: { zh: 'Service 服务访问', en: 'Services' }, chapter: { zh: '《Service 基础》《服务发现》与《NodePort》', en: 'the course\'s "Service 基础", "服务发现" (CoreDNS) and "NodePort" chapters' } },
  { id: '40-ingress-myblog', title: { zh: 'Ingress 与 HTTPS', en: 'Ingress and HTTPS' }, chapter: { zh: '《Kubernetes服务访问之Ingress》：访问与自签名证书', en: 'the course\'s "Kubernetes服务访问之Ingress" chapter: access, and the self-signed certificate' } },
  { id: '50-bookstore', title: { zh: '多路径转发及重写', en: 'Multi-path routing and rewrite' }, chapter: { zh: '《Ingress》：多路径转发及重写的实现', en: 'the course\'s Ingress chapter: "多路径转发及重写的实现" (multi-path and rewrite)' } },
  { id: '60-gateway-api', title: { zh: 'Gateway API（课程之外的补充）', en: 'Gateway API (an addition to the course)' }, chapter: { zh: 'manifests/60-gateway-api（课程之外的补充）', en: 'manifests/60-gateway-api (an addition to the course)' } },
];

/** What a row says in both languages: its title and the hint a failing row gives (beside its lab's chapter). */
interface RowWords {
  /** the row's English title (the test's title, after "lab NN-name: " or "cluster: ") */
  en: RegExp;
  zh: (m: RegExpExecArray) => string;
  hint: Words;
}

const objectList = (list: string) => list.split(', ').join('、');
const routeHint: Words = {
  zh: '用 kubectl -n <命名空间> get ingress,svc,endpoints 看规则、Service 与端点；用 curl -H "Host: <域名>" 访问入口确认应答',
  en: 'kubectl -n <namespace> get ingress,svc,endpoints shows the rules, the Services and their endpoints; curl -H "Host: <host>" through the ingress shows the answer',
};

const ROWS: RowWords[] = [
  { en: /^kube-proxy runs in ipvs mode \(the course's mode\)$/, zh: () => 'kube-proxy 以 ipvs 模式运行（课程的模式）', hint: { zh: '在 kube-system 的 kube-proxy ConfigMap 中把 mode 改为 "ipvs"，再重建 kube-proxy 的 Pod；日志里应有 "Using ipvs Proxier"', en: 'set mode: "ipvs" in kube-system\'s kube-proxy ConfigMap and recreate the kube-proxy pods; their log says "Using ipvs Proxier"' } },
  { en: /^an ingress controller runs on the node labelled ingress=true$/, zh: () => 'ingress 控制器运行在带有 ingress=true 标签的节点上', hint: { zh: '给节点打标签（kubectl label node <节点> ingress=true），并确认控制器的 nodeSelector 选中它', en: 'label the node (kubectl label node <node> ingress=true) and check that the controller\'s nodeSelector selects it' } },
  { en: /^namespace (\S+) exists$/, zh: (m) => `命名空间 ${m[1]} 已创建`, hint: { zh: 'kubectl create namespace luffy（或 apply 01-namespace 的 yaml）', en: 'kubectl create namespace luffy (or apply the 01-namespace yaml)' } },
  { en: /^MySQL \(Deployment (\S+)\) runs on the node labelled component=mysql, where its hostPath data is$/, zh: (m) => `MySQL（Deployment ${m[1]}）运行在带有 component=mysql 标签的节点上，它的 hostPath 数据就在那里`, hint: { zh: '给放数据的节点打标签 component=mysql，并在 mysql 的 Deployment 中用 nodeSelector 选中它', en: 'label the node that keeps the data component=mysql and select it with a nodeSelector in mysql\'s Deployment' } },
  { en: /^the cluster has (.+)$/, zh: (m) => `集群中已有 ${objectList(m[1])}`, hint: { zh: '用 kubectl apply -f 创建这一节的 yaml，再用 kubectl -n <命名空间> get 查看', en: 'create this lab\'s yaml with kubectl apply -f, and look with kubectl -n <namespace> get' } },
  { en: /^(\S+) and (\S+) are rolled out$/, zh: (m) => `${m[1]} 和 ${m[2]} 已发布完成（所有副本就绪）`, hint: { zh: 'kubectl -n <命名空间> rollout status deploy/<名称>；未就绪的 Pod 用 kubectl describe pod 看事件', en: 'kubectl -n <namespace> rollout status deploy/<name>; kubectl describe pod shows a pod that is not Ready and its events' } },
  { en: /^myblog's image comes from a registry, and the nodes that run it pulled it$/, zh: () => 'myblog 的镜像来自镜像仓库，运行它的节点已拉取该镜像', hint: { zh: '把构建好的镜像推送到课程的镜像仓库，Deployment 中写完整的镜像地址；拉取失败看 kubectl describe pod 的事件', en: 'push the built image to the course\'s registry and give its full name in the Deployment; kubectl describe pod shows a failed pull in its events' } },
  { en: /^Service (\S+) selects the Ready (\S+) pod on its port$/, zh: (m) => `Service ${m[1]} 在它的端口上选中了就绪的 ${m[2]} Pod`, hint: { zh: 'kubectl -n <命名空间> get endpoints <名称>：端点为空时，对比 Service 的 selector 与 Pod 的标签，以及 targetPort 与容器端口', en: 'kubectl -n <namespace> get endpoints <name>: with none, compare the Service\'s selector with the pods\' labels, and its targetPort with the container\'s port' } },
  { en: /^NodePort Service (\S+) serves the blog list on every node$/, zh: (m) => `NodePort 类型的 Service ${m[1]} 在每个节点上都能访问到博客列表`, hint: { zh: 'kubectl -n <命名空间> get svc 查看 NodePort 端口，用 curl http://<节点IP>:<端口>/blog/index/ 访问', en: 'kubectl -n <namespace> get svc shows the NodePort; curl http://<node IP>:<port>/blog/index/' } },
  { en: /^CoreDNS resolves the course's Services by name from a pod: (.+), each to its ClusterIP$/, zh: (m) => `在 Pod 中通过名称解析课程的 Service：${objectList(m[1])}，各自解析到它的 ClusterIP`, hint: { zh: '在 Pod 中执行 nslookup <服务名>.<命名空间>；看 /etc/resolv.conf 与 kube-system 中的 CoreDNS', en: 'nslookup <service>.<namespace> from a pod; look at its /etc/resolv.conf and at CoreDNS in kube-system' } },
  { en: /^Service (\S+) serves the blog list through its ClusterIP from inside the cluster$/, zh: (m) => `在集群内通过 ClusterIP 访问 Service ${m[1]} 能得到博客列表`, hint: { zh: '在 Pod 中 curl http://<ClusterIP>/blog/index/；不通时看 Service 的端点', en: 'curl http://<ClusterIP>/blog/index/ from a pod; if it fails, look at the Service\'s endpoints' } },
  { en: /^Service (\S+) answers as MySQL by its name from inside the cluster$/, zh: (m) => `在集群内按名称访问 Service ${m[1]}，应答的是 MySQL`, hint: { zh: 'myblog 的配置中数据库主机应写 Service 名 mysql；在 Pod 中连接 mysql:3306 试试', en: 'myblog\'s settings name the database host by the Service name mysql; try mysql:3306 from a pod' } },
  { en: /^Host (\S+) serves the blog list over HTTP from (\S+)$/, zh: (m) => `域名 ${m[1]} 通过 HTTP 从 ${m[2]} 得到博客列表`, hint: routeHint },
  { en: /^SNI (\S+) gets the certificate of (\S+), and HTTPS serves the blog list$/, zh: (m) => `以 SNI ${m[1]} 访问时得到 ${m[2]} 中的证书，并通过 HTTPS 得到博客列表`, hint: { zh: '用 openssl 生成自签名证书，kubectl create secret tls 保存到 Secret，并在 Ingress 的 tls 中写上域名与 secretName', en: 'make the self-signed certificate with openssl, store it with kubectl create secret tls, and name the host and secretName in the Ingress\'s tls' } },
  { en: /^(\S+) reaches (\S+) with the path unchanged$/, zh: (m) => `${m[1]} 转发到 ${m[2]}，路径不变`, hint: routeHint },
  { en: /^the rewrite sends (\S+) to (\S+) as (\S+)$/, zh: (m) => `重写规则把 ${m[1]} 以 ${m[3]} 转发到 ${m[2]}`, hint: { zh: 'rewrite-target 注解（如 /reviews/$1）引用的捕获组必须在 path 的正则中存在', en: 'the rewrite-target annotation (/reviews/$1) must refer to a capture group the path\'s regex has' } },
  { en: /^the rewrite keeps deeper segments: (\S+) reaches (\S+) as (\S+) \(which it answers 404\)$/, zh: (m) => `重写保留更深的路径段：${m[1]} 以 ${m[3]} 到达 ${m[2]}（它应答 404）`, hint: { zh: 'path 的捕获组应为 (.*)，才能带上其后的所有路径段', en: 'the path\'s capture group must be (.*) to carry every segment after it' } },
  { en: /^a path no rule names, (\S+), reaches no backend: 404 from the edge itself, where (\S+) is routed$/, zh: (m) => `没有规则的路径 ${m[1]} 不会到达任何后端：由入口自身返回 404（而 ${m[2]} 是有路由的）`, hint: routeHint },
  { en: /^\/api\/reviews with nothing after it: .*$/, zh: () => '/api/reviews 后面什么都没有时：Ingress 的正则 /api/reviews/(.*) 不匹配它，Gateway 的前缀 /api/reviews 匹配（已知差异）', hint: routeHint },
  { en: /^a host no route names, (\S+), reaches no backend: 404 from the edge itself, where (\S+) is routed$/, zh: (m) => `没有路由的域名 ${m[1]} 不会到达任何后端：由入口自身返回 404（而 ${m[2]} 是有路由的）`, hint: routeHint },
  // A grading run's own rows (suites/grade): the submission's files, objects and behaviour.
  { en: /^(\S+) is Kubernetes YAML without audit findings$/, zh: (m) => `${m[1]} 是合法的 Kubernetes YAML，审计没有发现问题`, hint: { zh: '按报告中的问题修改这个文件；kubectl apply --dry-run=server -f <文件> 可先检查', en: 'fix what the report names in the file; kubectl apply --dry-run=server -f <file> checks it first' } },
  { en: /^(\w+\/[\w.-]+(?:, \w+\/[\w.-]+)*) apply$/, zh: (m) => `其他对象可以创建：${objectList(m[1])}`, hint: { zh: '用 kubectl apply -f 创建它们，看 API Server 的报错', en: 'create them with kubectl apply -f and read what the API server says' } },
  { en: /^the submission is deployed in namespaces of its own$/, zh: () => '提交的清单已部署到它自己的命名空间中', hint: { zh: '按课程的顺序 kubectl apply -f 每一节的目录，看哪一步报错', en: 'kubectl apply -f each lab folder in the course\'s order and see which one fails' } },
  { en: /^the folder defines (.+?)( \(or the routing labs answered with Ingresses\))?, and the API server accepts them$/, zh: (m) => `目录中定义了 ${objectList(m[1])}${m[2] ? '（或路由实验已用 Ingress 完成）' : ''}，并且 API Server 接受它们`, hint: { zh: '这一节需要的对象要写在这一节的目录里；kubectl apply --dry-run=server -f <目录> 可先检查', en: 'the lab\'s objects belong in its folder; kubectl apply --dry-run=server -f <folder> checks them first' } },
  { en: /^mysql and myblog roll out, and migrate runs in a myblog pod$/, zh: () => 'mysql 与 myblog 发布完成，并在 myblog 的 Pod 中执行了 migrate', hint: { zh: 'kubectl -n <命名空间> rollout status deploy/<名称>；再 kubectl exec 进入 myblog 的 Pod 执行 python3 manage.py migrate', en: 'kubectl -n <namespace> rollout status deploy/<name>; then python3 manage.py migrate in a myblog pod (kubectl exec)' } },
  { en: /^details and reviews roll out$/, zh: () => 'details 与 reviews 发布完成（所有副本就绪）', hint: { zh: 'kubectl rollout status deploy/details 与 deploy/reviews；未就绪的 Pod 用 kubectl describe pod 看事件', en: 'kubectl rollout status deploy/details and deploy/reviews; kubectl describe pod shows a pod that is not Ready' } },
  { en: /^the Gateway is Programmed and its HTTPRoutes Accepted( \(or the routing labs answered with Ingresses\))?$/, zh: (m) => `Gateway 已生效（Programmed），它的 HTTPRoute 已被接受（Accepted）${m[1] ? '（或路由实验已用 Ingress 完成）' : ''}`, hint: { zh: 'kubectl get gateway,httproute -o yaml 看 status 中的 conditions', en: 'kubectl get gateway,httproute -o yaml: the conditions in their status say why' } },
  { en: /^Service (\S+) serves the blog list from inside the namespace$/, zh: (m) => `在命名空间内访问 Service ${m[1]} 能得到博客列表`, hint: { zh: '在 Pod 中 curl http://myblog/blog/index/；不通时看 Service 的 selector 与端点', en: 'curl http://myblog/blog/index/ from a pod; if it fails, look at the Service\'s selector and endpoints' } },
  { en: /^the pull secrets named by (.+) log in to their images' registry, and their pods pull$/, zh: (m) => `${objectList(m[1])} 引用的拉取凭证（imagePullSecrets）能登录镜像仓库，它们的 Pod 能拉取镜像`, hint: { zh: 'kubectl create secret docker-registry 创建凭证，在 Pod 模板中用 imagePullSecrets 引用；拉取失败看 kubectl describe pod 的事件', en: 'kubectl create secret docker-registry makes it; name it in the pod template\'s imagePullSecrets; kubectl describe pod shows a failed pull' } },
  { en: /^myblog and mysql stay up: .*$/, zh: () => 'myblog 与 mysql 一直运行：从就绪起，整个检查期间以及一个存活探针周期内没有容器重启', hint: { zh: 'kubectl describe pod 看重启原因；存活探针（livenessProbe）的 initialDelaySeconds 与超时要留足时间', en: 'kubectl describe pod says why it restarted; give the livenessProbe\'s initialDelaySeconds and timeouts enough time' } },
  { en: /^a hung myblog pod leaves the Service \(readinessProbe\) and is restarted \(livenessProbe\)$/, zh: () => '卡住的 myblog Pod 被移出 Service（readinessProbe）并被重启（livenessProbe）', hint: { zh: '健康检查：readinessProbe 把未就绪的 Pod 移出端点，livenessProbe 重启它', en: 'the health checks: the readinessProbe takes a pod out of the endpoints, the livenessProbe restarts it' } },
  { en: /^myblog rolls from v1 to v2 under load through its Ingress \(or Gateway\) and NodePort without losing a request$/, zh: () => 'myblog 在负载下从 v1 滚动更新到 v2，经由 Ingress（或 Gateway）与 NodePort 访问，没有丢失请求', hint: { zh: '滚动更新：maxUnavailable、readinessProbe 与 preStop 让旧 Pod 处理完请求再退出', en: 'the rolling update: maxUnavailable, a readinessProbe and a preStop hook let old pods finish their requests' } },
  // The rows a live run lists as not applicable (lib/config/applicability.ts).
  { en: /^myblog rolls from v1 to v2 under load with no failed request$/, zh: () => 'myblog 在负载下从 v1 滚动更新到 v2，没有失败的请求', hint: { zh: '滚动更新要写集群，--live 只读：用 npm test -- --manifests 检查', en: 'a rollout writes, and --live only reads: npm test -- --manifests checks it' } },
  { en: /^mysql is updated without two MySQL pods on its hostPath data$/, zh: () => 'mysql 更新时不会有两个 MySQL Pod 同时使用它的 hostPath 数据', hint: { zh: '更新策略用 Recreate；--live 只读，用 npm test -- --manifests 检查', en: 'the Recreate strategy; --live only reads: npm test -- --manifests checks it' } },
  { en: /^a hung myblog pod is restarted by its liveness probe and leaves the endpoints$/, zh: () => '卡住的 myblog Pod 由存活探针（livenessProbe）重启，并从端点中移除', hint: { zh: '健康检查（livenessProbe 与 readinessProbe）；--live 只读，用 npm test -- --manifests 检查', en: 'the health checks (livenessProbe and readinessProbe); --live only reads: npm test -- --manifests checks it' } },
  { en: /^CoreDNS resolves the course's Services by name from a pod$/, zh: () => '在 Pod 中通过名称解析课程的 Service', hint: { zh: '需要一个客户端 Pod：加 --probe-pod', en: 'needs a client pod: --probe-pod' } },
  { en: /^the routes on Gateway API$/, zh: () => 'Gateway API 上的路由', hint: { zh: '课程的集群用 Ingress 路由；Gateway API 的迁移在测试框架自己的集群上检查', en: 'the course\'s clusters route with Ingress; the harness cluster checks the Gateway API migration' } },
];

/** A row's words: its Chinese title and its hint, or undefined for a title the board does not know (unit/board-words.test.ts). */
export function rowWords(title: string): { zh: string; hint: Words } | undefined {
  for (const r of ROWS) {
    const m = r.en.exec(title);
    if (m) return { zh: r.zh(m), hint: r.hint };
  }
  return undefined;
}

/**
 * The default rubric's checks (manifests/rubric.yaml names each by the
 * beginning of a grading row's title), for the class board. A rubric of an
 * instructor's own may name others: they keep their English.
 */
const RUBRIC_CHECKS: [string, string][] = [
  ['the folder defines', '目录中定义了这一节的对象，并且 API Server 接受它们'],
  ['mysql and myblog roll out', 'mysql 与 myblog 发布完成（所有副本就绪）'],
  ['myblog rolls from v1 to v2 under load', 'myblog 在负载下从 v1 滚动更新到 v2，没有失败的请求'],
  ['mysql is updated without two MySQL pods on its hostPath data', 'mysql 更新时不会有两个 MySQL Pod 同时使用它的 hostPath 数据'],
  ['a hung myblog pod', '卡住的 myblog Pod 被移出 Service（readinessProbe）并被重启（livenessProbe）'],
  ['myblog and mysql stay up', 'myblog 与 mysql 一直运行，没有容器重启'],
  ['Service myblog serves the blog list', 'Service myblog 在命名空间内能提供博客列表'],
  ['Service mysql selects the Ready mysql pod', 'Service mysql 在它的端口上选中了就绪的 mysql Pod'],
  ['NodePort Service myblog-np serves the blog list', 'NodePort 类型的 Service myblog-np 在每个节点上都能访问到博客列表'],
  ['Host myblog.luffy.com serves the blog list over HTTP', '域名 myblog.luffy.com 通过 HTTP 得到博客列表'],
  ['SNI myblog.luffy.com gets the certificate', '以 SNI myblog.luffy.com 访问时得到 tls-myblog 中的证书，并通过 HTTPS 得到博客列表'],
  ['a host no route names', '没有路由的域名不会到达任何后端：由入口自身返回 404'],
  ['details and reviews roll out', 'details 与 reviews 发布完成（所有副本就绪）'],
  ['bookstore.luffy.com/details/0 reaches details', 'bookstore.luffy.com/details/0 转发到 details，路径不变'],
  ['bookstore.luffy.com/reviews/0 reaches reviews', 'bookstore.luffy.com/reviews/0 转发到 reviews，路径不变'],
  ['the rewrite sends', '重写规则把 /api/reviews/… 以 /reviews/… 转发到 reviews'],
  ['the rewrite keeps deeper segments', '重写保留更深的路径段'],
  ['a path no rule names', '没有规则的路径不会到达任何后端：由入口自身返回 404'],
  ['/api/reviews with nothing after it', '/api/reviews 后面什么都没有时：Ingress 与 Gateway 的已知差异'],
  ['the Gateway is Programmed', 'Gateway 已被控制器接受并生效（Programmed）'],
];

/** A rubric check's title in Chinese (a live row's title, or a default rubric entry), or undefined. */
export function checkZh(check: string): string | undefined {
  return rowWords(check)?.zh ?? RUBRIC_CHECKS.find(([en]) => check === en || (check.startsWith(en) && /^[\s,:(]/.test(check.slice(en.length))))?.[1];
}

/** A check's cause in Chinese: each part it names (the checks join them with "; " or " · ") worded as the course does; a part no rule knows stays as the check said it. */
export function causeZh(cause: string): string {
  // A route case judged on two edges: each edge's verdict, worded on its own.
  const edges = /^case "(.+?)" differs from the course on (\w+(?: and \w+)*): (.*)$/s.exec(cause);
  if (edges) {
    const verdicts = edges[3].split(/ \| (?=\w+: )/).map((v) => {
      const [, edge, detail] = /^(\w+): (.*)$/s.exec(v) ?? [, '', v];
      return `${edge}：${detail === 'as expected' ? '符合预期' : causeZh(detail!)}`;
    });
    return `用例“${checkZh(edges[1]) ?? edges[1]}”在 ${edges[2].replace(/ and /g, ' 与 ')} 上与课程不符：${verdicts.join(' | ')}`;
  }
  return parts(cause)
    .map((part) => partZh(part.trim()))
    .join('；');
}

/** A cause's parts: split at " · " and "; ", but not inside brackets ("pods have a; b" is one part). */
function parts(cause: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < cause.length; i++) {
    const c = cause[i];
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    const sep = depth === 0 && (cause.startsWith(' · ', i) ? 3 : cause.startsWith('; ', i) ? 2 : 0);
    if (sep) {
      out.push(cause.slice(start, i));
      start = i + sep;
      i += sep - 1;
    }
  }
  return [...out, cause.slice(start)];
}

type Rule = [RegExp, (m: RegExpExecArray) => string];
const CAUSES: Rule[] = [
  [/^(\w+) (\S+) not found in namespace (\S+)$/, (m) => `命名空间 ${m[3]} 中找不到 ${m[1]} ${m[2]}`],
  [/^namespace (\S+) not found$/, (m) => `找不到命名空间 ${m[1]}`],
  [/^Service (\S+) does not exist in namespace (\S+) \(Services there: (.*)\)$/, (m) => `命名空间 ${m[2]} 中没有 Service ${m[1]}（那里的 Service：${m[3]}）`],
  [/^Service (\S+) does not exist in namespace (\S+) \(it has no Service\)$/, (m) => `命名空间 ${m[2]} 中没有 Service ${m[1]}（那里没有任何 Service）`],
  [/^Deployment (\S+) is not rolled out: (\d+) of (\d+) replicas available, (\d+) updated$/, (m) => `Deployment ${m[1]} 尚未发布完成：${m[3]} 个副本中 ${m[2]} 个可用，${m[4]} 个已更新`],
  [/^Deployment (\S+) has no pod \(it runs (.*)\)$/, (m) => `Deployment ${m[1]} 没有任何 Pod（它运行 ${m[2]}）`],
  [/^(\S+) is not routed to Service (\S+): (.*)$/, (m) => `${m[1]} 没有被路由到 Service ${m[2]}：${partZh(m[3])}`],
  [/^(\S+) is not routed to Service (\S+)$/, (m) => `${m[1]} 没有被路由到 Service ${m[2]}`],
  [/^(\S+) should reach no backend: (.*)$/, (m) => `${m[1]} 不应到达任何后端：${partZh(m[2])}`],
  [/^(\S+) is not shown refused: the route that must refuse it is not in place: (.*)$/, (m) => `无法证明 ${m[1]} 被拒绝：应拒绝它的路由尚未就位：${partZh(m[2])}`],
  [/^the answer: (.*)$/, (m) => `得到的应答：${partZh(m[1])}`],
  [/^no answer: (.*)$/, (m) => `没有应答：${phrasesZh(m[1])}`],
  [/^no answer \((.*)\)$/, (m) => `没有应答（${m[1]}）`],
  // A rollout under load (lib/checks/rollout-load.ts, suites/grade/3-load.grade.ts).
  [/^Deployment (\S+) loses requests in a rolling update \((.*?)\): (.*)$/, (m) => `Deployment ${m[1]} 在滚动更新中丢失了请求（${strategyZh(m[2])}）：${partZh(m[3])}`],
  [/^requests failed: (.*)$/, (m) => `失败的请求：${downtimeZh(m[1])}`],
  [/^(.+?), new connection each: (before the change|after the old pods were gone) answered (.*), not only (\S+)$/, (m) => {
    const versions = m[3] === 'nothing' ? '（没有应答）' : m[3].replace('(none)', '（未标明版本）');
    return `${m[1]}（每个请求新建连接）：${m[2] === 'before the change' ? '变更前' : '旧 Pod 全部退出后'}应答的版本是${versions.startsWith('（') ? '' : ' '}${versions}，而不只是 ${m[4]}`;
  }],
  // Updates and health checks (lib/checks/rollout.ts, suites/grade/2-updates.grade.ts).
  [/^Deployment (\S+) does not recreate: new pod (.+?) was created (\S+) after the change while old pod (.+) still existed \(strategy (\S+)\)$/, (m) => `Deployment ${m[1]} 没有先删旧 Pod 再建新 Pod（Recreate）：变更后 ${m[3]} 新 Pod ${m[2]} 已创建，而旧 Pod ${m[4]} 仍然存在（策略 ${m[5]}）`],
  [/^both would mount hostPath (\S+)$/, (m) => `两个 Pod 会同时挂载 hostPath ${m[1]}`],
  [/^Deployment (\S+) container (\S+): (.*)$/, (m) => `Deployment ${m[1]} 的容器 ${m[2]}：${partZh(m[3])}`],
  [/^no readinessProbe: a hung pod stays in the Service$/, () => '没有 readinessProbe：卡住的 Pod 仍留在 Service 中'],
  [/^no livenessProbe: a hung pod is never restarted$/, () => '没有 livenessProbe：卡住的 Pod 永远不会被重启'],
  [/^a hung myblog pod stayed Ready while hung: the readinessProbe did not take it out of the Service before the livenessProbe restarted it \(Ready again after (\d+) s\)$/, (m) => `卡住的 myblog Pod 一直保持就绪：在 livenessProbe 重启它之前，readinessProbe 没有把它移出 Service（${m[1]} 秒后再次就绪）`],
  [/^a hung myblog pod (stayed Ready while hung \(the readinessProbe did not take it out\)|went NotReady after (\d+) s) and (was restarted, but is not Ready again|was not restarted \(the livenessProbe did not fire\)): (.*)$/, (m) => `卡住的 myblog Pod ${m[2] ? `${m[2]} 秒后变为未就绪` : '一直保持就绪（readinessProbe 没有把它移出）'}，${m[3].startsWith('was restarted') ? '已被重启，但没有再次就绪' : '没有被重启（livenessProbe 没有触发）'}：${m[4]}`],
  [/^new pods that never served a request: (.*)$/, (m) => `从未处理过请求的新 Pod：${m[1]}`],
  [/^rollout bounds: (.*)$/, (m) => `超出滚动更新的界限（maxSurge/maxUnavailable）：${m[1]}`],
  [/^(.+?): achieved (\S+) of (\S+)$/, (m) => `${m[1]}：实际速率 ${m[2]}，目标 ${m[3]}`],
  [/^not run through the NodePort: (.*)$/, (m) => `未经由 NodePort 检查：${partZh(m[1])}`],
  [/^through the (\S+) the rolling update lost no request(.*)$/, (m) => `经由 ${m[1]} 的滚动更新没有丢失请求${m[2]}`],
  [/^Service (\S+) has no nodePort \(type (\S+)\)$/, (m) => `Service ${m[1]} 没有 nodePort（类型是 ${m[2]}）`],
  [/^answered HTTP (\d+)(?: \(not (\d+)\))? from pod (\S+)$/, (m) => `应答 HTTP ${m[1]}${m[2] ? `（应为 ${m[2]}）` : ''}，来自 Pod ${m[3]}`],
  [/^answered HTTP (\d+)(?: \(not (\d+)\))? \(no backend pod named itself\)$/, (m) => `应答 HTTP ${m[1]}${m[2] ? `（应为 ${m[2]}）` : ''}（没有后端 Pod 报出自己的名字）`],
  [/^answered HTTP (\d+), not (\d+) from the (\S+) edge itself$/, (m) => `应答 HTTP ${m[1]}，而不是由 ${m[3]} 入口自身返回的 ${m[2]}`],
  [/^answered with the (\S+) edge's own 404 page: no rule sends it to Service (\S+)(.*)$/, (m) => `由 ${m[1]} 入口自身返回 404 页面：没有规则把它转发到 Service ${m[2]}${m[3]}`],
  [/^no Ingress rule routes (\S+) \(the rules are (.*)\)$/, (m) => `没有 Ingress 规则路由 ${m[1]}（现有规则：${m[2]}）`],
  [/^no Ingress rule routes (\S+) \(there is no Ingress\)$/, (m) => `没有 Ingress 规则路由 ${m[1]}（没有任何 Ingress）`],
  [/^Service (\S+) selects (.*): no pod matches(?: \(pods have (.*)\))?$/, (m) => `Service ${m[1]} 的选择器 ${m[2]} 匹配不到任何 Pod${m[3] ? `（现有 Pod 的标签：${m[3]}）` : ''}`],
  [/^Service (\S+) has no Ready endpoint: the pod it selects is not Ready$/, (m) => `Service ${m[1]} 没有就绪的端点：它选中的 Pod 未就绪`],
  [/^Service (\S+) targetPort (\S+) but the container declares port (.*)$/, (m) => `Service ${m[1]} 的 targetPort 是 ${m[2]}，但容器声明的端口是 ${m[3]}`],
  [/^Service (\S+) has no port (\d+), which its clients connect to \(its ports: (.*)\)$/, (m) => `Service ${m[1]} 没有客户端连接的端口 ${m[2]}（它的端口：${m[3]}）`],
  [/^Service (\S+) is of type (\S+), not NodePort$/, (m) => `Service ${m[1]} 的类型是 ${m[2]}，不是 NodePort`],
  [/^(NodePort )?Service (\S+) does not serve(?: on (.*?))?: (.*)$/, (m) => `${m[1] ? 'NodePort 类型的 ' : ''}Service ${m[2]} ${m[3] ? `在 ${m[3]} 上` : ''}无法访问：${partZh(m[4])}`],
  [/^Service (\S+) does not select a Ready pod: (.*)$/, (m) => `Service ${m[1]} 没有选中就绪的 Pod：${partZh(m[2])}`],
  [/^Ingress (\S+) has no tls entry for (\S+)$/, (m) => `Ingress ${m[1]} 没有 ${m[2]} 的 tls 配置`],
  [/^pod (\S+): container (\S+) not Ready(.*)$/, (m) => `Pod ${m[1]}：容器 ${m[2]} 未就绪${m[3]}`],
  [/^pod (\S+): not Ready \((.*)\)$/, (m) => `Pod ${m[1]} 未就绪（${m[2]}）`],
  [/^pod (\S+) on (\S+) has not pulled (\S+): (.*)$/, (m) => `节点 ${m[2]} 上的 Pod ${m[1]} 还没有拉取到镜像 ${m[3]}：${m[4]}`],
  [/^(\d+) of (\d+) answers to GET (\S+): (.*)$/, (m) => `GET ${m[3]} 的 ${m[2]} 次应答中有 ${m[1]} 次：${partZh(m[4])}`],
  [/^cannot reach the ingress controller at (\S+) \((.*)\): (.*)$/, (m) => `无法连接 ${m[1]} 上的 ingress 控制器（${m[2]}）：${m[3]}`],
  [/^give an address that reaches it with (--ingress-address \S+)$/, (m) => `用 ${m[1]} 给出能到达它的地址`],
  [/^no Ready ingress controller pod \(ingress-nginx or Traefik\) in the cluster: give its address with (--ingress-address \S+)$/, (m) => `集群中没有就绪的 ingress 控制器 Pod（ingress-nginx 或 Traefik）：用 ${m[1]} 给出它的地址`],
  [/^not applicable: (.*)$/, (m) => `不适用：${partZh(m[1])}`],
  [/^not run: (.*)$/, (m) => `未运行：${partZh(m[1])}`],
  [/^hint: see the course's section (.*)$/, (m) => `提示：参见课程的“${m[1]}”一节`],
  // Why a live run cannot judge a row (lib/config/applicability.ts LIVE_NOT_APPLICABLE).
  [/^a rollout changes the Deployment, and --live never writes$/, () => '滚动更新要修改 Deployment，而 --live 从不写集群'],
  [/^an update changes the Deployment, and --live never writes$/, () => '更新要修改 Deployment，而 --live 从不写集群'],
  [/^freezing a pod needs exec into it, and --live never writes$/, () => '让 Pod 卡住需要 exec 进入它，而 --live 从不写集群'],
  [/^a DNS query from inside the cluster needs a client pod: --probe-pod$/, () => '在集群内做 DNS 查询需要一个客户端 Pod：--probe-pod'],
  [/^a ClusterIP is reached from inside the cluster, which needs a client pod: --probe-pod$/, () => 'ClusterIP 只能在集群内访问，需要一个客户端 Pod：--probe-pod'],
  [/^a Service's name is resolved and reached from inside the cluster, which needs a client pod: --probe-pod$/, () => 'Service 的名称要在集群内解析和访问，需要一个客户端 Pod：--probe-pod'],
  [/^the course's clusters route with Ingress$/, () => '课程的集群用 Ingress 路由'],
  [/^the harness cluster checks the Gateway API migration$/, () => 'Gateway API 的迁移在测试框架自己的集群上检查'],
];

/** A Deployment's strategy as the rollout causes name it ("strategy RollingUpdate maxSurge 25% ...; readinessProbe set; preStop none"). */
const strategyZh = (text: string) => text.replace(/^strategy /, '策略 ').replace(/ set\b/g, ' 已设置').replace(/ none\b/g, ' 未设置').replace(/; /g, '；');

/** The requests a rollout lost, per kind of connection ("new connection per request: http-5xx 3 of 754, failing from 1.20s to 2.00s after the change"). */
const downtimeZh = (text: string) =>
  text
    .replace(/(\S+ \d+(?:, \S+ \d+)*) of (\d+), failing from (\S+) to (\S+) after the change/g, '$2 个请求中 $1，变更后 $3 至 $4 之间失败')
    .replace(/\b0 failed of (\d+)/g, '$1 个请求无一失败')
    .replace(/new connection per request: /g, '每个请求新建连接：')
    .replace(/kept-alive connections: /g, '保持连接：');

/** Phrases inside a part otherwise kept as said (a client's error, then advice). */
const PHRASES: Rule[] = [[/ ?\(if the nodes are behind NAT, give addresses that reach them with (--node-address \S+)\)/, (m) => `（节点在 NAT 之后时，用 ${m[1]} 给出能到达它们的地址）`]];

function phrasesZh(text: string): string {
  return PHRASES.reduce((t, [re, zh]) => t.replace(re, (...args) => zh(args as unknown as RegExpExecArray)), text);
}

function partZh(part: string): string {
  for (const [re, zh] of CAUSES) {
    const m = re.exec(part);
    if (m) return zh(m);
  }
  return phrasesZh(part);
}
